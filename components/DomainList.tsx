import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { visibleDomains } from '../src/store/app-store.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

export function DomainList({ theme, width, height }: { theme: Theme; width?: number; height: number }) {
  const all = useAppStore((s) => s.domains);
  const filter = useAppStore((s) => s.domainFilter);
  const domains = useMemo(() => visibleDomains({ domains: all, domainFilter: filter }), [all, filter]);
  const index = useAppStore((s) => s.domainIndex);
  const focused = useAppStore((s) => s.focus === 'domains');
  const typing = useAppStore((s) => s.inputMode === 'search' && s.focus === 'domains');
  const uri = useAppStore((s) => s.uri);
  const rows = Math.max(1, height - 3 - (filter || typing ? 1 : 0));
  const start = Math.max(0, Math.min(index - Math.floor(rows / 2), domains.length - rows));
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" borderDimColor={!focused} overflow="hidden">
      <Text bold color={theme.accent} wrap="truncate-end">
        {focused ? '▶ ' : '  '}
        {uri}
      </Text>
      {(filter || typing) && (
        <Text wrap="truncate-end">
          filter: {filter}
          {typing ? '▏' : ''}
        </Text>
      )}
      {all === null && <Text color={theme.muted}>loading…</Text>}
      {all !== null && domains.length === 0 && <Text color={theme.muted}>{filter ? 'no domain matches' : 'no domains'}</Text>}
      {domains.slice(start, start + rows).map((d, i) => {
        const selected = start + i === index;
        return (
          <Text key={d.name} inverse={selected && focused} wrap="truncate-end">
            {selected ? '>' : ' '} {d.name} <Text color={theme.muted}>{d.state.state}</Text> ({d.snapshotCount})
            {d.currentSnapshot ? <Text color={theme.current}> *{d.currentSnapshot}</Text> : null}
          </Text>
        );
      })}
    </Box>
  );
}
