import { Box, Text } from 'ink';
import type { EditDecision, TextPrompt } from '../src/store/edit-actions.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';
import { useTerminalSize } from './use-terminal-size.js';
import { wrapLine } from './wrap-lines.js';

/** Rows the prompt takes: its border, its title, the input line. */
export const PROMPT_ROWS = 4;

export function PromptLine({ prompt, theme }: { prompt: TextPrompt; theme: Theme }) {
  const { columns } = useTerminalSize();
  const inner = Math.max(10, columns - 4);
  return (
    <Box flexDirection="column" borderStyle="single" paddingX={1} flexShrink={0} height={PROMPT_ROWS}>
      <Text bold color={theme.accent} wrap="truncate-end">
        {prompt.title} — Enter saves, Esc cancels
      </Text>
      <Box>
        <Text>{'> '}</Text>
        <TextField line={{ text: prompt.value, cursor: prompt.cursor }} width={inner - 2} />
      </Box>
    </Box>
  );
}

/** Lines of the edit problem shown, at most `maxLines` (the rest is cut with a mark). */
function messageLines(decision: EditDecision, columns: number, maxLines: number): string[] {
  const lines = wrapLine(decision.message, Math.max(10, columns - 4));
  if (lines.length <= maxLines) return lines;
  return [...lines.slice(0, Math.max(0, maxLines - 1)), `… (${lines.length - maxLines + 1} more lines; re-edit shows the file)`];
}

/** Rows the edit question takes at this size: its border, title, message, file and buttons. */
export function decisionRows(decision: EditDecision, columns: number, rows: number): number {
  return 2 + 1 + messageLines(decision, columns, decisionMessageRoom(rows)).length + 1 + 1;
}

const decisionMessageRoom = (rows: number) => Math.max(1, Math.floor(rows / 2) - 5);

export function DecisionBox({ decision, theme }: { decision: EditDecision; theme: Theme }) {
  const { columns, rows } = useTerminalSize();
  const lines = messageLines(decision, columns, decisionMessageRoom(rows));
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1} flexShrink={0}>
      <Text bold color={theme.error}>
        The edited XML was not applied
      </Text>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Text color={theme.muted} wrap="truncate-start">
        Your text is kept in {decision.file}
      </Text>
      <Text wrap="truncate-end">
        <Text inverse={decision.focus === 're-edit'}> Re-edit my text </Text>
        {'  '}
        <Text inverse={decision.focus === 'discard'}> Discard it </Text>
        <Text color={theme.muted}>   ←/→ choose, Enter, Esc keeps the file and stops</Text>
      </Text>
    </Box>
  );
}
