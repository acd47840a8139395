import { Box, Text } from 'ink';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

export function DomainList({ theme, width }: { theme: Theme; width: number }) {
  const domains = useAppStore((s) => s.domains);
  const index = useAppStore((s) => s.domainIndex);
  const focused = useAppStore((s) => s.focus === 'domains');
  const uri = useAppStore((s) => s.uri);
  return (
    <Box flexDirection="column" width={width} borderStyle="single" borderDimColor={!focused}>
      <Text bold color={theme.accent} wrap="truncate-end">
        {uri}
      </Text>
      {domains === null && <Text color={theme.muted}>loading…</Text>}
      {domains?.length === 0 && <Text color={theme.muted}>no domains</Text>}
      {domains?.map((d, i) => {
        const selected = i === index;
        return (
          <Text key={d.name} inverse={selected && focused} wrap="truncate-end">
            {selected ? '>' : ' '} {d.name} <Text color={theme.muted}>{d.state.state}</Text> ({d.snapshotCount})
          </Text>
        );
      })}
    </Box>
  );
}
