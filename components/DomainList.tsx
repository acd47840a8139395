import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { visibleDomains } from '../src/store/app-store.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';
import { wrapLine } from './wrap-lines.js';

const clock = (at: number) => new Date(at).toISOString().slice(11, 19);

export function DomainList({ theme, width, height }: { theme: Theme; width: number; height: number }) {
  const all = useAppStore((s) => s.domains);
  const filter = useAppStore((s) => s.domainFilter);
  const cursor = useAppStore((s) => s.searchCursor);
  const domains = useMemo(() => visibleDomains({ domains: all, domainFilter: filter }), [all, filter]);
  const index = useAppStore((s) => s.domainIndex);
  const focused = useAppStore((s) => s.focus === 'domains');
  const typing = useAppStore((s) => s.inputMode === 'search' && s.focus === 'domains');
  const uri = useAppStore((s) => s.uri);
  const refreshError = useAppStore((s) => s.refreshError);
  const lastRefresh = useAppStore((s) => s.lastRefresh);
  const busy = useAppStore((s) => s.busy);
  const inner = Math.max(4, width - 2);
  // The last line says when the list was read (or that it is being read).
  const footer = height >= 10 ? 1 : 0;
  const rows = Math.max(1, height - 3 - footer - (filter || typing ? 1 : 0));
  const position = domains.length > 0 ? ` ${Math.min(index + 1, domains.length)}/${domains.length}` : '';
  // A failed read stays in the pane, whole, until one works: the status line only says it once.
  const errorLines = refreshError ? wrapLine(`cannot read the host: ${refreshError}`, inner) : [];
  const errorRoom = Math.max(1, rows - (all === null ? 1 : 0));
  const shownError = errorLines.length > errorRoom ? [...errorLines.slice(0, errorRoom - 1), '… (L shows the command log)'] : errorLines;
  const listRows = Math.max(0, rows - shownError.length);
  const start = Math.max(0, Math.min(index - Math.floor(listRows / 2), domains.length - listRows));
  return (
    <Box flexDirection="column" width={width} flexShrink={0} height={height} borderStyle="single" borderDimColor={!focused} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {focused ? '▶ ' : '  '}
          {uri}
        </Text>
        <Text color={theme.muted}>
          {position}
          {footer === 0 && lastRefresh && !busy ? ` ${clock(lastRefresh)}` : ''}
        </Text>
      </Box>
      {(filter || typing) && (
        <Box flexShrink={0} height={1}>
          <Text>filter: </Text>
          <TextField line={{ text: filter, cursor }} width={inner - 8} focused={typing} />
        </Box>
      )}
      {shownError.map((line, i) => (
        <Text key={`e${i}`} color={theme.error} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {all === null && !refreshError && <Text color={theme.muted}>loading…</Text>}
      {all === null && refreshError && <Text color={theme.muted}>{busy ? 'trying again…' : 'r tries again'}</Text>}
      {all !== null && domains.length === 0 && <Text color={theme.muted}>{filter ? 'no domain matches' : 'no domains'}</Text>}
      {domains.slice(start, start + listRows).map((d, i) => {
        const selected = start + i === index;
        return (
          <Text key={d.name} inverse={selected && focused} wrap="truncate-end">
            {selected ? '>' : ' '} {d.name} <Text color={theme.muted}>{d.state.state}</Text> ({d.snapshotCount})
            {d.currentSnapshot ? <Text color={theme.current}> *{d.currentSnapshot}</Text> : null}
          </Text>
        );
      })}
      {footer > 0 && <Box flexGrow={1} />}
      {footer > 0 && (
        <Box flexShrink={0} height={1}>
          <Text color={theme.muted} wrap="truncate-end">
            {busy ? 'refreshing…' : lastRefresh ? `refreshed ${clock(lastRefresh)} UTC` : ''}
          </Text>
        </Box>
      )}
    </Box>
  );
}
