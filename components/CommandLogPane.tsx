import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { CommandLog, CommandLogEntry } from '../src/engine/virsh/command-log.js';
import type { Theme } from './theme.js';

export function CommandLogPane({ log, theme, height }: { log: CommandLog; theme: Theme; height: number }) {
  const [entries, setEntries] = useState<readonly CommandLogEntry[]>(() => log.list().slice(-height));
  useEffect(() => log.subscribe(() => setEntries(log.list().slice(-height))), [log, height]);
  return (
    <Box flexDirection="column" borderStyle="single" height={height + 2}>
      {entries.map((e) => (
        <Text key={e.seq} wrap="truncate-end" color={e.outcome === 'ok' || e.outcome === 'running' ? theme.muted : theme.error}>
          {(e.durationMs === null ? '…' : `${e.durationMs.toFixed(1)}ms`).padStart(8)} {e.outcome.padEnd(7)} {e.args.join(' ')}
        </Text>
      ))}
    </Box>
  );
}
