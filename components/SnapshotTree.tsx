import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { matchesSearch, selectedDomain, selectedForest, visibleTreeLines } from '../src/store/app-store.js';
import { formatTime } from '../src/format/time.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

export function SnapshotTree({ theme, height, width }: { theme: Theme; height: number; width: number }) {
  const domain = useAppStore(selectedDomain);
  const forest = useAppStore(selectedForest);
  const collapsed = useAppStore((s) => s.collapsed);
  const lines = useMemo(() => (forest ? visibleTreeLines(forest, collapsed) : []), [forest, collapsed]);
  const index = useAppStore((s) => s.snapshotIndex);
  const focused = useAppStore((s) => s.focus === 'snapshots');
  const search = useAppStore((s) => s.treeSearch);
  const cursor = useAppStore((s) => s.searchCursor);
  const typing = useAppStore((s) => s.inputMode === 'search' && s.focus === 'snapshots');
  const matches = useMemo(() => lines.filter((l) => matchesSearch(l.node.name, search)).length, [lines, search]);
  // Keep the selection in view: a window of rows around it.
  const rows = Math.max(1, height - 3 - (search || typing ? 1 : 0));
  const start = Math.max(0, Math.min(index - Math.floor(rows / 2), lines.length - rows));
  const count = forest?.count ?? 0;
  const position = lines.length > 0 ? `  ${Math.min(index + 1, lines.length)}/${lines.length}${lines.length < count ? ` shown of ${count}` : ''}` : '';
  return (
    <Box flexDirection="column" width={width} flexShrink={0} height={height} borderStyle="single" borderDimColor={!focused} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {focused ? '▶ ' : '  '}
          {domain ? `${domain.name}: ${count} snapshot${count === 1 ? '' : 's'}` : 'no domain selected'}
          <Text color={theme.muted}>{position}</Text>
        </Text>
      </Box>
      {(search || typing) && (
        <Box flexShrink={0} height={1}>
          <Text>/</Text>
          <TextField line={{ text: search, cursor }} width={Math.max(4, width - 30)} focused={typing} />
          <Text color={theme.muted} wrap="truncate-end">
            {' '}
            ({matches} match{matches === 1 ? '' : 'es'}; n/N to jump)
          </Text>
        </Box>
      )}
      {forest && lines.length === 0 && <Text color={theme.muted}>no snapshots (c creates one)</Text>}
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
            </Text>
            {line.hidden > 0 ? <Text color={theme.accent}> ▸+{line.hidden}</Text> : null}{' '}
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
