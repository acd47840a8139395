import { Box, Text } from 'ink';
import { filterBindings } from './keymap.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

/** Fits `height` rows: what does not fit is counted, and typing narrows the list. */
export function HelpOverlay({ theme, height }: { theme: Theme; height: number }) {
  const state = useAppStore((s) => s);
  const bindings = filterBindings(state.helpFilter);
  // A disabled binding takes a second line for its reason.
  const rowsOf = (b: (typeof bindings)[number]) => (b.disabledReason?.(state) ? 2 : 1);
  const room = Math.max(1, height - 4);
  const shown: typeof bindings = [];
  let used = 0;
  for (const b of bindings) {
    if (used + rowsOf(b) > room - (shown.length < bindings.length - 1 ? 1 : 0)) break;
    shown.push(b);
    used += rowsOf(b);
  }
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1} height={height} overflow="hidden">
      <Text bold color={theme.accent} wrap="truncate-end">
        Keys — type to filter, Esc or ? closes
      </Text>
      <Text wrap="truncate-end">filter: {state.helpFilter}▏</Text>
      {bindings.length === 0 && <Text color={theme.muted}>no key matches</Text>}
      {shown.map((b) => {
        const disabled = b.disabledReason?.(state) ?? null;
        return (
          <Box key={b.action} flexShrink={0} flexDirection="column">
            <Text wrap="truncate-end" dimColor={disabled !== null}>
              {b.keys.join('/').padEnd(14)} {b.description}
              {b.dangerous ? ' (asks first)' : ''}
            </Text>
            {disabled && (
              <Text wrap="truncate-end" color={theme.muted}>
                {' '.repeat(15)}unavailable: {disabled}
              </Text>
            )}
          </Box>
        );
      })}
      {shown.length < bindings.length && (
        <Text color={theme.muted}>… {bindings.length - shown.length} more: type to filter</Text>
      )}
    </Box>
  );
}
