import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { matchesSearch, selectedDomain, selectedForest } from '../src/store/app-store.js';
import { treeLines } from '../src/format/tree-text.js';
import { formatTime } from '../src/format/time.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

export function SnapshotTree({ theme, height, width }: { theme: Theme; height: number; width?: number }) {
  const domain = useAppStore(selectedDomain);
  const forest = useAppStore(selectedForest);
  const lines = useMemo(() => (forest ? treeLines(forest) : []), [forest]);
  const index = useAppStore((s) => s.snapshotIndex);
  const focused = useAppStore((s) => s.focus === 'snapshots');
  const search = useAppStore((s) => s.treeSearch);
  const typing = useAppStore((s) => s.inputMode === 'search' && s.focus === 'snapshots');
  const matches = useMemo(() => lines.filter((l) => matchesSearch(l.node.name, search)).length, [lines, search]);
  // Keep the selection in view: a window of rows around it.
  const rows = Math.max(1, height - 3 - (search || typing ? 1 : 0));
  const start = Math.max(0, Math.min(index - Math.floor(rows / 2), lines.length - rows));
  return (
    <Box flexDirection="column" width={width} flexGrow={width ? 0 : 1} height={height} borderStyle="single" borderDimColor={!focused} overflow="hidden">
      <Text bold color={theme.accent} wrap="truncate-end">
        {focused ? '▶ ' : '  '}
        {domain ? `${domain.name}: ${lines.length} snapshot${lines.length === 1 ? '' : 's'}` : 'no domain selected'}
      </Text>
      {(search || typing) && (
        <Text wrap="truncate-end">
          /{search}
          {typing ? '▏' : ''} <Text color={theme.muted}>({matches} match{matches === 1 ? '' : 'es'}; n/N to jump)</Text>
        </Text>
      )}
      {forest && lines.length === 0 && <Text color={theme.muted}>no snapshots</Text>}
      {lines.slice(start, start + rows).map((line, i) => {
        const selected = start + i === index;
        const node = line.node;
        const hit = matchesSearch(node.name, search);
        return (
          <Text key={node.name} inverse={selected && focused} wrap="truncate-end">
            {selected ? '>' : ' '}
            {line.prefix}
            <Text bold={node.current || hit} underline={hit} color={node.current ? theme.current : hit ? theme.accent : undefined}>
              {node.current ? '*' : ''}
              {node.name}
            </Text>{' '}
            <Text color={node.location === 'external' ? theme.external : theme.muted}>[{node.location === 'external' ? 'ext' : 'int'}]</Text>{' '}
            <Text color={theme.muted}>
              {node.state} {formatTime(node.creationTime)}
            </Text>
          </Text>
        );
      })}
    </Box>
  );
}
