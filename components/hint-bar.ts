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
  // Summed hint by hint (each measured once): the bar is fitted on every render, and measuring
  // the whole joined line for each candidate cost ~100 ms of the first frame.
  const widthOf = (hint: Hint) => stringWidth(hintText(hint));
  let used = pinned.reduce((sum, hint) => sum + widthOf(hint) + GAP.length, 0) - GAP.length;
  const kept: Hint[] = [];
  for (const hint of others) {
    const added = widthOf(hint) + GAP.length;
    if (used + added > width) break;
    used += added;
    kept.push(hint);
  }
  return [...kept, ...pinned];
}
