import { Box, Text } from 'ink';
import { filterBindings } from './keymap.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

export function HelpOverlay({ theme }: { theme: Theme }) {
  const state = useAppStore((s) => s);
  const bindings = filterBindings(state.helpFilter);
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1}>
      <Text bold color={theme.accent}>
        Keys — type to filter, Esc or ? closes
      </Text>
      <Text>filter: {state.helpFilter}▏</Text>
      {bindings.length === 0 && <Text color={theme.muted}>no key matches</Text>}
      {bindings.map((b) => {
        const disabled = b.disabledReason?.(state) ?? null;
        return (
          <Text key={b.action} wrap="wrap" dimColor={disabled !== null}>
            {b.keys.join('/').padEnd(14)} {b.description}
            {b.dangerous ? ' (asks first)' : ''}
            {disabled ? ` — unavailable: ${disabled}` : ''}
          </Text>
        );
      })}
    </Box>
  );
}
