import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { CommandLog, CommandLogEntry } from '../src/engine/virsh/command-log.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

const clock = (at: number) => new Date(at).toISOString().slice(11, 23);

interface LogRow {
  key: string;
  text: string;
  error: boolean;
}

/** Each command on a line (time, duration, outcome, argv); a failure adds libvirt's message. */
export function logRows(entries: readonly CommandLogEntry[]): LogRow[] {
  const rows: LogRow[] = [];
  for (const e of entries) {
    const failed = e.outcome !== 'ok' && e.outcome !== 'running';
    const duration = e.durationMs === null ? '…' : `${e.durationMs.toFixed(1)}ms`;
    rows.push({ key: `${e.seq}`, text: `${clock(e.startedAt)} ${duration.padStart(8)} ${e.outcome.padEnd(7)} ${e.args.join(' ')}`, error: failed });
    if (failed && e.message) rows.push({ key: `${e.seq}m`, text: `    ↳ ${e.message.replace(/\s*\n\s*/g, ' ')}`, error: true });
  }
  return rows;
}

/**
 * The virsh command log, newest at the bottom. With focus (Tab), ↑↓ and PgUp/PgDn scroll back;
 * scrolled to the end it follows new commands.
 */
export function CommandLogPane({ log, theme, height }: { log: CommandLog; theme: Theme; height: number }) {
  const [entries, setEntries] = useState<readonly CommandLogEntry[]>(() => log.list());
  useEffect(() => log.subscribe(() => setEntries(log.list())), [log]);
  const focused = useAppStore((s) => s.focus === 'log');
  const back = useAppStore((s) => s.logScroll);
  const rows = logRows(entries);
  const room = Math.max(1, height - 1);
  const from = Math.max(0, rows.length - room - Math.min(back, Math.max(0, rows.length - room)));
  const shown = rows.slice(from, from + room);
  const position = rows.length > room ? ` ${from + 1}–${from + shown.length} of ${rows.length}` : '';
  return (
    <Box flexDirection="column" borderStyle="single" borderDimColor={!focused} height={height + 2} flexShrink={0} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {focused ? '▶ ' : '  '}virsh command log ({log.total} commands){position}
          {focused ? ' — ↑↓ PgUp/PgDn scroll' : ' — Tab focuses'}
        </Text>
      </Box>
      {shown.map((row) => (
        <Text key={row.key} wrap="truncate-end" color={row.error ? theme.error : theme.muted}>
          {row.text}
        </Text>
      ))}
    </Box>
  );
}
