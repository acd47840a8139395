import { Box, Text } from 'ink';
import type { EditDecision, TextPrompt } from '../src/store/edit-actions.js';
import type { Theme } from './theme.js';

export function PromptLine({ prompt, theme }: { prompt: TextPrompt; theme: Theme }) {
  return (
    <Box flexDirection="column" borderStyle="single" paddingX={1}>
      <Text bold color={theme.accent} wrap="truncate-end">
        {prompt.title} — Enter saves, Esc cancels
      </Text>
      <Text wrap="truncate-start">
        {'> '}
        {prompt.value}▏
      </Text>
    </Box>
  );
}

export function DecisionBox({ decision, theme }: { decision: EditDecision; theme: Theme }) {
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1}>
      <Text bold color={theme.error}>
        The edited XML was not applied
      </Text>
      <Text wrap="wrap">{decision.message}</Text>
      <Text color={theme.muted} wrap="truncate-start">
        Your text is kept in {decision.file}
      </Text>
      <Text>
        <Text inverse={decision.focus === 're-edit'}> Re-edit my text </Text>
        {'  '}
        <Text inverse={decision.focus === 'discard'}> Discard it </Text>
        <Text color={theme.muted}>   ←/→ choose, Enter, Esc keeps the file and stops</Text>
      </Text>
    </Box>
  );
}
