import { Box, Text } from 'ink';
import { KEYMAP } from './keymap.js';
import { fitHints, hintText } from './hint-bar.js';
import { useTerminalSize } from './use-terminal-size.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function StatusBar({ theme, tick }: { theme: Theme; tick: number }) {
  const busy = useAppStore((s) => s.busy);
  const readonly = useAppStore((s) => s.readonly);
  const message = useAppStore((s) => s.message);
  // One string per state change (which hinted keys are disabled), so the bar re-renders only then.
  const disabled = useAppStore((s) => KEYMAP.filter((b) => b.hint).map((b) => (b.disabledReason?.(s) ? '1' : '0')).join(''));
  const { columns } = useTerminalSize();
  const all = KEYMAP.filter((b) => b.hint).map((b, i) => ({ text: b.hint!, disabled: disabled[i] === '1' }));
  // the spinner, a space, and the read-only flag come first
  const room = columns - 2 - (readonly ? '[read-only] '.length : 0);
  // An open dialog shows its own keys (its table in the keymap); these would not work there.
  const modal = useAppStore((s) => s.inputMode === 'confirm' || s.inputMode === 'flows' || s.inputMode === 'journal' || s.inputMode === 'create');
  const hints = modal ? [] : fitHints(all, room);
  return (
    <Box flexDirection="column">
      {message && (
        <Text color={message.kind === 'error' ? theme.error : undefined} wrap="truncate-end">
          {message.text}
        </Text>
      )}
      <Text wrap="truncate-end">
        {busy ? SPINNER[tick % SPINNER.length] : ' '} {readonly ? <Text color={theme.error}>[read-only] </Text> : null}
        {hints.map((hint, i) => (
          <Text key={hint.text} color={theme.muted} dimColor={hint.disabled}>
            {i > 0 ? '  ' : ''}
            {hintText(hint)}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
