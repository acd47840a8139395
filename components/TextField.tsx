import { Text } from 'ink';
import { visibleLine, type LineInput } from '../src/store/line-edit.js';

/**
 * A line of editable text in `width` columns, the cursor shown as an inverse cell (a block at the
 * end), scrolled so that the cursor stays visible. Without focus the cursor is not drawn.
 */
export function TextField({ line, width, focused = true, placeholder }: { line: LineInput; width: number; focused?: boolean; placeholder?: string }) {
  if (!focused) {
    const shown = line.text === '' && placeholder ? placeholder : line.text;
    return <Text wrap="truncate-end">{shown}</Text>;
  }
  const { before, at, after } = visibleLine(line, Math.max(2, width));
  return (
    <Text wrap="truncate-end">
      {before}
      <Text inverse>{at}</Text>
      {after}
      {line.text === '' && placeholder ? <Text dimColor> {placeholder}</Text> : null}
    </Text>
  );
}
