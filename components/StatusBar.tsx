import { Box, Text } from 'ink';
import { KEYMAP } from './keymap.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function StatusBar({ theme, tick }: { theme: Theme; tick: number }) {
  const busy = useAppStore((s) => s.busy);
  const readonly = useAppStore((s) => s.readonly);
  const message = useAppStore((s) => s.message);
  const hints = KEYMAP.filter((b) => b.hint).map((b) => b.hint).join('  ');
  return (
    <Box flexDirection="column">
      {message && (
        <Text color={message.kind === 'error' ? theme.error : undefined} wrap="truncate-end">
          {message.text}
        </Text>
      )}
      <Text wrap="truncate-end">
        {busy ? SPINNER[tick % SPINNER.length] : ' '} {readonly ? <Text color={theme.error}>[read-only] </Text> : null}
        <Text color={theme.muted}>{hints}</Text>
      </Text>
    </Box>
  );
}
