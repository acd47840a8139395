import { Box, Text } from 'ink';
import { useEffect } from 'react';
import type { Theme } from './theme.js';
import { wrapLine } from './wrap-lines.js';
import { KEYMAP } from './keymap.js';

const key = (action: string) => KEYMAP.find((b) => b.action === action)?.keys[0] ?? '?';

/** The XML, scrolled by `scroll` lines; with `wrap`, long lines continue on the next rows. */
export function XmlView({
  xml,
  scroll,
  height,
  width,
  wrap,
  theme,
  onLayout,
}: {
  xml: string;
  scroll: number;
  height: number;
  width: number;
  wrap: boolean;
  theme: Theme;
  onLayout?: (maxScroll: number) => void;
}) {
  const raw = xml.replace(/\n$/, '').split('\n');
  const lines = wrap ? raw.flatMap((line) => wrapLine(line, Math.max(10, width))) : raw;
  const rows = Math.max(1, lines.length > height ? height - 1 : height);
  const max = Math.max(0, lines.length - rows);
  useEffect(() => onLayout?.(max), [max, scroll, onLayout]);
  const start = Math.min(scroll, max);
  return (
    <Box flexDirection="column">
      {lines.slice(start, start + rows).map((line, i) => (
        <Box key={start + i} flexShrink={0} height={1}>
          <Text wrap="truncate-end">{line === '' ? ' ' : line}</Text>
        </Box>
      ))}
      {lines.length > rows && (
        <Text color={theme.muted} wrap="truncate-end">
          lines {start + 1}–{Math.min(lines.length, start + rows)} of {lines.length} (PgUp/PgDn{wrap ? '' : `; ${key('wrap')} wraps`}; {key('zoom')} full screen)
        </Text>
      )}
    </Box>
  );
}
