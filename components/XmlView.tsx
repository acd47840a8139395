import { Box, Text } from 'ink';
import type { Theme } from './theme.js';

export function XmlView({ xml, scroll, height, theme }: { xml: string; scroll: number; height: number; theme: Theme }) {
  const lines = xml.replace(/\n$/, '').split('\n');
  const start = Math.min(scroll, Math.max(0, lines.length - height));
  return (
    <Box flexDirection="column">
      {lines.slice(start, start + height).map((line, i) => (
        <Text key={start + i} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {lines.length > height && (
        <Text color={theme.muted}>
          lines {start + 1}–{Math.min(lines.length, start + height)} of {lines.length} (PgUp/PgDn)
        </Text>
      )}
    </Box>
  );
}
