import { LineRow } from './LineRow.js';
import { Box, Text } from 'ink';
import type { StorageQuestion as Question } from '../src/store/capture-actions.js';
import { modalHints } from './keymap.js';
import type { Theme } from './theme.js';
import { wrapAll } from './wrap-lines.js';

/** The manual-storage snapshot's question while the guest is paused: what to snapshot, then done or cancel. Fits 80×24. */
export function StorageQuestion({ question, theme, height, width }: { question: Question; theme: Theme; height: number; width: number }) {
  const inner = Math.max(20, width - 4);
  const lines = wrapAll(
    question.instructions.map((text, i) => ({ text, bold: i === 0, color: i === 0 ? theme.error : undefined })),
    inner,
  );
  const room = Math.max(1, height - 2 - 1 - 2);
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1} height={height} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.error} wrap="truncate-end">
          {question.domain} is paused: your storage snapshot
        </Text>
      </Box>
      {lines.slice(0, room).map((line, index) => (
        <Box key={index} flexShrink={0} height={1}>
          <Text wrap="truncate-end" bold={line.bold} color={line.color}>
            {line.text}
          </Text>
        </Box>
      ))}
      <Box flexGrow={1} />
      <Box flexShrink={0} height={1}>
        <Text wrap="truncate-end">
          <Text inverse={question.focus === 'cancel'}>{question.focus === 'cancel' ? '>' : ' '}Cancel: resume, discard </Text>
          {'  '}
          <Text inverse={question.focus === 'done'} color={theme.accent}>
            {question.focus === 'done' ? '>' : ' '}Done: resume the guest{' '}
          </Text>
        </Text>
      </Box>
      <LineRow line={{ text: modalHints('capture-storage'), color: theme.muted }} />
    </Box>
  );
}
