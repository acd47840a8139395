// One line of editable text with a cursor, edited as readline edits it. Every text input of the
// TUI (search, help filter, the rename and description prompts, the create form's text fields,
// the typed name of a confirmation) keeps a LineInput and changes it only through these
// functions, so the keys behave the same everywhere.

export interface LineInput {
  text: string;
  /** Index into `text`, in UTF-16 code units, always on a code point boundary. */
  cursor: number;
}

/** What a key does to a line; the keymap maps keys to these. */
export type LineEditAction =
  | 'cursor-left'
  | 'cursor-right'
  | 'line-start'
  | 'line-end'
  | 'word-left'
  | 'word-right'
  | 'erase-back'
  | 'erase-forward'
  | 'erase-word-back'
  | 'erase-to-start'
  | 'erase-to-end';

export const LINE_EDIT_ACTIONS: readonly LineEditAction[] = [
  'cursor-left',
  'cursor-right',
  'line-start',
  'line-end',
  'word-left',
  'word-right',
  'erase-back',
  'erase-forward',
  'erase-word-back',
  'erase-to-start',
  'erase-to-end',
];

export function isLineEditAction(action: string): action is LineEditAction {
  return (LINE_EDIT_ACTIONS as readonly string[]).includes(action);
}

/** A line with the cursor at its end (where a prompt opens). */
export const lineAtEnd = (text: string): LineInput => ({ text, cursor: text.length });

const clamp = (line: LineInput): number => Math.max(0, Math.min(line.text.length, line.cursor));

/** The code point boundary before `at` (a surrogate pair is one step). */
function previousBoundary(text: string, at: number): number {
  if (at <= 0) return 0;
  const low = text.charCodeAt(at - 1);
  if (at >= 2 && low >= 0xdc00 && low <= 0xdfff) {
    const high = text.charCodeAt(at - 2);
    if (high >= 0xd800 && high <= 0xdbff) return at - 2;
  }
  return at - 1;
}

function nextBoundary(text: string, at: number): number {
  if (at >= text.length) return text.length;
  const high = text.charCodeAt(at);
  if (high >= 0xd800 && high <= 0xdbff && at + 1 < text.length) {
    const low = text.charCodeAt(at + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return at + 2;
  }
  return at + 1;
}

const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);
/** readline's Ctrl-W erases back to whitespace; Alt-B/F move over runs of letters and digits. */
const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);

function startOfWhitespaceWord(text: string, at: number): number {
  let i = at;
  while (i > 0 && isSpace(text[i - 1])) i--;
  while (i > 0 && !isSpace(text[i - 1])) i--;
  return i;
}

function wordLeft(text: string, at: number): number {
  let i = at;
  while (i > 0 && !isWordChar(text[i - 1])) i--;
  while (i > 0 && isWordChar(text[i - 1])) i--;
  return i;
}

function wordRight(text: string, at: number): number {
  let i = at;
  while (i < text.length && !isWordChar(text[i])) i++;
  while (i < text.length && isWordChar(text[i])) i++;
  return i;
}

/** Text typed (or pasted) at the cursor. */
export function insertText(line: LineInput, typed: string): LineInput {
  const at = clamp(line);
  return { text: line.text.slice(0, at) + typed + line.text.slice(at), cursor: at + typed.length };
}

export function editLine(line: LineInput, action: LineEditAction): LineInput {
  const { text } = line;
  const at = clamp(line);
  switch (action) {
    case 'cursor-left':
      return { text, cursor: previousBoundary(text, at) };
    case 'cursor-right':
      return { text, cursor: nextBoundary(text, at) };
    case 'line-start':
      return { text, cursor: 0 };
    case 'line-end':
      return { text, cursor: text.length };
    case 'word-left':
      return { text, cursor: wordLeft(text, at) };
    case 'word-right':
      return { text, cursor: wordRight(text, at) };
    case 'erase-back': {
      const from = previousBoundary(text, at);
      return { text: text.slice(0, from) + text.slice(at), cursor: from };
    }
    case 'erase-forward':
      return { text: text.slice(0, at) + text.slice(nextBoundary(text, at)), cursor: at };
    case 'erase-word-back': {
      const from = startOfWhitespaceWord(text, at);
      return { text: text.slice(0, from) + text.slice(at), cursor: from };
    }
    case 'erase-to-start':
      return { text: text.slice(at), cursor: 0 };
    case 'erase-to-end':
      return { text: text.slice(0, at), cursor: at };
  }
}

/**
 * The part of a line to draw in `width` columns (one column per code point, as the inputs are
 * drawn): the text before the cursor, the character under it (a space at the end), and the
 * text after it, scrolled so that the cursor is always visible.
 */
export function visibleLine(line: LineInput, width: number): { before: string; at: string; after: string } {
  const chars = [...line.text];
  const cursor = [...line.text.slice(0, clamp(line))].length;
  const room = Math.max(1, width - 1);
  let start = 0;
  if (cursor > room) start = cursor - room;
  const end = start + room + 1;
  return {
    before: chars.slice(start, cursor).join(''),
    at: chars[cursor] ?? ' ',
    after: chars.slice(cursor + 1, end).join(''),
  };
}
