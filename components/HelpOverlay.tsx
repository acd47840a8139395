import { Box, Text } from 'ink';
import { KEYMAP } from './keymap.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

export function HelpOverlay({ theme }: { theme: Theme }) {
  const state = useAppStore((s) => s);
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1}>
      <Text bold color={theme.accent}>
        Keys (? or Esc closes)
      </Text>
      {KEYMAP.map((b) => {
        const disabled = b.disabledReason?.(state) ?? null;
        return (
          <Text key={b.action} wrap="truncate-end" dimColor={disabled !== null}>
            {b.keys.join('/').padEnd(10)} {b.description}
            {b.dangerous ? ' (asks first)' : ''}
            {disabled ? ` — unavailable: ${disabled}` : ''}
          </Text>
        );
      })}
    </Box>
  );
}
