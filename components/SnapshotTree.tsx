import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { selectedDomain, selectedForest } from '../src/store/app-store.js';
import { treeLines } from '../src/format/tree-text.js';
import { formatTime } from '../src/format/time.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

export function SnapshotTree({ theme, height }: { theme: Theme; height: number }) {
  const domain = useAppStore(selectedDomain);
  const forest = useAppStore(selectedForest);
  const lines = useMemo(() => (forest ? treeLines(forest) : []), [forest]);
  const index = useAppStore((s) => s.snapshotIndex);
  const focused = useAppStore((s) => s.focus === 'snapshots');
  // Keep the selection in view: a window of `height` lines around it.
  const visible = Math.max(1, height);
  const start = Math.max(0, Math.min(index - Math.floor(visible / 2), lines.length - visible));
  return (
    <Box flexDirection="column" flexGrow={1} borderStyle="single" borderDimColor={!focused}>
      <Text bold color={theme.accent} wrap="truncate-end">
        {domain ? `${domain.name}: ${lines.length} snapshot${lines.length === 1 ? '' : 's'}` : 'no domain selected'}
      </Text>
      {lines.slice(start, start + visible).map((line, i) => {
        const selected = start + i === index;
        const node = line.node;
        return (
          <Text key={node.name} inverse={selected && focused} wrap="truncate-end">
            {line.prefix}
            <Text bold={node.current} color={node.current ? theme.current : undefined}>
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
