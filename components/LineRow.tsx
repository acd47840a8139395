// One row of a dialog: a Line (text, colour, bold, inverse) cut at the dialog's width, never
// wrapping, so a dialog's height is exactly its number of lines.

import { Box, Text } from 'ink';
import type { Line } from './wrap-lines.js';

export function LineRow({ line }: { line: Line }) {
  return (
    <Box flexShrink={0} height={1}>
      <Text wrap="truncate-end" color={line.color} bold={line.bold} inverse={line.inverse}>
        {line.text === '' ? ' ' : line.text}
      </Text>
    </Box>
  );
}
