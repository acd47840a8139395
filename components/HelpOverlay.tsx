import { Box, Text } from 'ink';
import { useCallback } from 'react';
import { filterBindings, MODAL_KEYMAP } from './keymap.js';
import { ScrollBody } from './ScrollBody.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';
import { useAppStore, useAppStoreApi } from './use-app-store.js';
import { wrapAll, type Line } from './wrap-lines.js';

/** Every binding (filtered by what is typed), in a body that scrolls with ↑↓ and PgUp/PgDn. */
export function HelpOverlay({ theme, height, width }: { theme: Theme; height: number; width: number }) {
  const store = useAppStoreApi();
  const state = useAppStore((s) => s);
  const onLayout = useCallback((max: number) => store.getState().helpLayout(max), [store]);
  const inner = Math.max(10, width - 4);
  const lines: Line[] = [];
  const bindings = filterBindings(state.helpFilter);
  for (const b of bindings) {
    const disabled = b.disabledReason?.(state) ?? null;
    lines.push({ text: `${b.keys.join('/').padEnd(14)} ${b.description}${b.dangerous ? ' (asks first)' : ''}`, color: disabled ? theme.muted : undefined });
    if (disabled) lines.push({ text: `${' '.repeat(15)}disabled now: ${disabled}`, color: theme.muted });
  }
  const f = state.helpFilter.toLowerCase();
  const editing = MODAL_KEYMAP.prompt.bindings.filter((b) => b.action !== 'cancel' && b.action !== 'accept');
  const editLines = editing.filter((b) => !f || b.description.toLowerCase().includes(f) || b.keys.some((k) => k.toLowerCase() === f));
  if (editLines.length > 0) {
    lines.push({ text: 'In text fields (search, prompts, the create form, a typed name):', bold: true });
    for (const b of editLines) lines.push({ text: `${b.keys.join('/').padEnd(14)} ${b.description}` });
  }
  if (lines.length === 0) lines.push({ text: 'no key matches', color: theme.muted });
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1} height={height} overflow="hidden">
      <Text bold color={theme.accent} wrap="truncate-end">
        Keys — type to filter, ↑↓ PgUp/PgDn scroll, Esc or ? closes
      </Text>
      <Box>
        <Text>filter: </Text>
        <TextField line={{ text: state.helpFilter, cursor: state.searchCursor }} width={inner - 8} focused={state.inputMode === 'help-filter'} />
      </Box>
      <ScrollBody
        lines={wrapAll(lines, inner)}
        height={Math.max(2, height - 4)}
        scroll={state.helpScroll}
        follow={false}
        focused={false}
        label="keys"
        theme={theme}
        onLayout={onLayout}
      />
    </Box>
  );
}
