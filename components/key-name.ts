import type { Key } from 'ink';

/**
 * Ink's key flags as the names the keymap uses: `up`, `tab`, `shift-tab`, `ctrl-a`, `meta-b`,
 * `backspace`, `delete`, or the character itself. Ink reports both the Backspace key (DEL,
 * 0x7f) and the Delete key (ESC [3~) as `delete`; `raw`, the bytes read, tells them apart.
 */
export function keyName(input: string, key: Key, raw?: string): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.return) return 'return';
  if (key.backspace || key.delete) {
    if (raw !== undefined && /^\u001b\[3[~$^;]/.test(raw)) return 'delete';
    return key.meta && raw?.startsWith('\u001b') ? 'meta-backspace' : 'backspace';
  }
  if (key.escape) return 'escape';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.ctrl && input.length === 1) return `ctrl-${input.toLowerCase()}`;
  if (key.meta && input.length === 1 && raw?.startsWith('\u001b')) return `meta-${input}`;
  return input;
}
