// The hint bar's words for a given width: the most used keys in the keymap's order, with the
// ones that cannot run now marked, and `? help` and `q quit` always kept at the end, however
// narrow the terminal (a key the operator cannot see is a key they do not know).

import stringWidth from 'string-width';

export interface Hint {
  text: string;
  /** The key cannot run now (read-only, nothing selected…); shown in parentheses. */
  disabled: boolean;
}

const PINNED = new Set(['? help', 'q quit']);
const GAP = '  ';

export const hintText = (hint: Hint) => (hint.disabled ? `(${hint.text})` : hint.text);

/** The hints that fit in `width` columns, pinned ones always included. */
export function fitHints(hints: readonly Hint[], width: number): Hint[] {
  const pinned = hints.filter((h) => PINNED.has(h.text));
  const others = hints.filter((h) => !PINNED.has(h.text));
  const widthOf = (list: readonly Hint[]) => stringWidth(list.map(hintText).join(GAP));
  const kept: Hint[] = [];
  for (const hint of others) {
    if (widthOf([...kept, hint, ...pinned]) > width) break;
    kept.push(hint);
  }
  return [...kept, ...pinned];
}
