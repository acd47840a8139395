// A terminal may deliver several keys in one read (fast typing over SSH, a paste, tmux
// send-keys), and Ink passes such a chunk on as one input. Split it into runs of text and
// the keys between them, so that no key is lost and no control character is ever typed.

const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Control characters that are keys of their own (Ctrl-A … Ctrl-Z by name); the other ones are dropped. */
const CONTROL_KEYS: Record<string, string> = {
  ...Object.fromEntries(Array.from({ length: 26 }, (_, i) => [String.fromCharCode(i + 1), `ctrl-${String.fromCharCode(97 + i)}`])),
  '\r': 'return',
  '\n': 'return',
  '\t': 'tab',
  '\u007f': 'backspace',
  '\b': 'backspace',
};

export type KeyPiece = { kind: 'text'; text: string } | { kind: 'key'; name: string };

/**
 * The pieces of a multi-character chunk, in order; null when Ink already understood the
 * input as one key (a single character, or an escape sequence such as an arrow key).
 */
export function splitChunk(input: string): KeyPiece[] | null {
  if (input.length <= 1 || input.startsWith('\u001b')) return null;
  const pieces: KeyPiece[] = [];
  let text = '';
  for (const ch of input) {
    if (!HAS_CONTROL.test(ch)) {
      text += ch;
      continue;
    }
    if (text) pieces.push({ kind: 'text', text });
    text = '';
    const name = CONTROL_KEYS[ch];
    if (name) pieces.push({ kind: 'key', name });
  }
  if (text) pieces.push({ kind: 'text', text });
  return pieces;
}

/** Whether `input` is printable text (for text fields). */
export function isPrintable(input: string): boolean {
  return input.length > 0 && !HAS_CONTROL.test(input);
}
