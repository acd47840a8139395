// The left pane when hosts have rows of their own: each host with its status, and under an
// open host its domains. The selected host's domains come from the top level of the store,
// another open host's from its parked sub-state.

import { Box, Text } from 'ink';
import { hostSubState, leftCursor, leftRows, type AppState, type HostRow } from '../src/store/app-store.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A host row's status word; a connected host whose refresh failed counts as failed. */
export function hostStatusText(row: HostRow, refreshError: string | null, frame: number): { text: string; error: boolean } {
  const c = row.connection;
  if (c.kind === 'connecting') return { text: `connecting ${SPINNER[frame % SPINNER.length]}`, error: false };
  if (c.kind === 'failed') return { text: 'failed', error: true };
  if (c.kind === 'connected') return refreshError ? { text: 'failed', error: true } : { text: 'connected', error: false };
  return { text: '', error: false };
}

function rowsOf(state: AppState) {
  return leftRows(state).map((row) => {
    const host = state.hosts[row.host]!;
    const sub = hostSubState(state, host.name);
    if (row.kind === 'host') return { key: `h${host.name}`, kind: 'host' as const, host, refreshError: sub?.refreshError ?? null, domains: sub?.domains ?? null };
    const filter = sub?.domainFilter.toLowerCase() ?? '';
    const domain = (sub?.domains ?? []).filter((d) => !filter || d.name.toLowerCase().includes(filter))[row.domain]!;
    return { key: `d${host.name}\u0000${domain.name}`, kind: 'domain' as const, host, domain };
  });
}

export function HostList({ theme, width, height }: { theme: Theme; width: number; height: number }) {
  const state = useAppStore((s) => s);
  const focused = state.focus === 'domains';
  const frame = Math.floor(Date.now() / 120);
  const rows = rowsOf(state);
  const cursor = leftCursor(state);
  const listRows = Math.max(1, height - 2 - 1);
  const start = Math.max(0, Math.min(cursor - Math.floor(listRows / 2), rows.length - listRows));
  return (
    <Box flexDirection="column" width={width} flexShrink={0} height={height} borderStyle="single" borderDimColor={!focused} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {focused ? '▶ ' : '  '}hosts
        </Text>
        <Text color={theme.muted}>{` ${state.hostIndex + 1}/${state.hosts.length}`}</Text>
      </Box>
      {rows.slice(start, start + listRows).map((row, i) => {
        const selected = start + i === cursor;
        if (row.kind === 'host') {
          const status = hostStatusText(row.host, row.refreshError, frame);
          const open = row.host.expanded && row.domains !== null && row.domains.length === 0 && row.host.connection.kind === 'connected' ? ' (no domains)' : '';
          return (
            <Text key={row.key} inverse={selected && focused} wrap="truncate-end">
              {selected ? '>' : ' '}
              {row.host.expanded ? '▾' : '▸'} <Text bold>{row.host.name}</Text> <Text color={status.error ? theme.error : theme.muted}>{status.text}</Text>
              {open}
            </Text>
          );
        }
        const d = row.domain;
        return (
          <Text key={row.key} inverse={selected && focused} wrap="truncate-end">
            {selected ? '>' : ' '}   {d.name} <Text color={theme.muted}>{d.state.state}</Text> ({d.snapshotCount})
            {d.currentSnapshot ? <Text color={theme.current}> *{d.currentSnapshot}</Text> : null}
          </Text>
        );
      })}
    </Box>
  );
}

/** The details pane on a host's row: its URI and connection, libvirt's whole message when it failed. */
export function hostDetailLines(row: HostRow, refreshError: string | null, now: number): { text: string; error?: boolean }[] {
  const lines: { text: string; error?: boolean }[] = [{ text: `host ${row.name}` }, { text: `URI: ${row.uri}` }];
  const c = row.connection;
  if (c.kind === 'idle') lines.push({ text: 'not connected (Enter opens it)' });
  else if (c.kind === 'connecting') lines.push({ text: `connecting… (attempt ${c.attempt})` });
  else if (c.kind === 'connected') {
    lines.push({ text: `connected: libvirt ${c.libvirt ?? 'unknown'}, ${c.hypervisor ?? 'hypervisor unknown'}` });
    if (refreshError) lines.push({ text: `cannot read the host: ${refreshError}`, error: true });
  } else {
    // The retry first: libvirt's message can be long, and it is kept whole after it.
    lines.push({ text: `failed; next attempt in ${Math.max(0, Math.ceil((c.retryAt - now) / 1000))} s (attempt ${c.attempt + 1}); r retries now` });
    lines.push({ text: c.message, error: true });
  }
  return lines;
}
