import { Box, Text } from 'ink';
import { useEffect } from 'react';
import type { Theme } from './theme.js';
import type { Line } from './wrap-lines.js';

/**
 * A fixed number of rows (`height`, its label line included) showing a window of `lines`, which
 * must already be wrapped to the width. `follow` keeps the end in view. The largest useful
 * scroll is reported through `onLayout`, so that the store can clamp the keys that scroll it.
 */
export function ScrollBody({
  lines,
  height,
  scroll,
  follow,
  focused,
  label,
  theme,
  onLayout,
}: {
  lines: readonly Line[];
  height: number;
  scroll: number;
  follow: boolean;
  focused: boolean;
  label: string;
  theme: Theme;
  onLayout: (maxScroll: number) => void;
}) {
  const rows = Math.max(1, height - 1);
  const max = Math.max(0, lines.length - rows);
  const top = follow ? max : Math.min(scroll, max);
  useEffect(() => onLayout(max), [max, onLayout]);
  const shown = lines.slice(top, top + rows);
  const position = lines.length > rows ? ` ${top + 1}–${top + shown.length} of ${lines.length}${focused ? ', ↑↓ scroll' : ', PgUp/PgDn'}` : '';
  return (
    <Box flexDirection="column" height={rows + 1} flexShrink={0} overflow="hidden">
      <Text wrap="truncate-end" inverse={focused} color={focused ? undefined : theme.muted}>
        {`${focused ? '>' : '─'}─ ${label}${position} ─`}
      </Text>
      {shown.map((line, index) => (
        <Text key={index} wrap="truncate-end" color={line.color} bold={line.bold} inverse={line.inverse}>
          {line.text === '' ? ' ' : line.text}
        </Text>
      ))}
    </Box>
  );
}
