import { describe, expect, it } from 'vitest';
import { editLine, insertText, lineAtEnd, visibleLine, type LineEditAction, type LineInput } from '../../../src/store/line-edit.js';

/** `|` marks the cursor: 'ab|c' is text 'abc' with the cursor before 'c'. */
const at = (marked: string): LineInput => ({ text: marked.replace('|', ''), cursor: marked.indexOf('|') });
const show = (line: LineInput) => `${line.text.slice(0, line.cursor)}|${line.text.slice(line.cursor)}`;
const edit = (marked: string, action: LineEditAction) => show(editLine(at(marked), action));

describe('line editor (readline keys)', () => {
  it('moves the cursor by character, to the ends, and by word', () => {
    expect(edit('abc|', 'cursor-left')).toBe('ab|c');
    expect(edit('|abc', 'cursor-left')).toBe('|abc');
    expect(edit('ab|c', 'cursor-right')).toBe('abc|');
    expect(edit('abc|', 'cursor-right')).toBe('abc|');
    expect(edit('ab|c', 'line-start')).toBe('|abc');
    expect(edit('a|bc', 'line-end')).toBe('abc|');
    expect(edit('before upgrade|', 'word-left')).toBe('before |upgrade');
    expect(edit('|before upgrade', 'word-right')).toBe('before| upgrade');
  });

  it('erases before and under the cursor', () => {
    expect(edit('ab|c', 'erase-back')).toBe('a|c');
    expect(edit('|abc', 'erase-back')).toBe('|abc');
    expect(edit('a|bc', 'erase-forward')).toBe('a|c');
    expect(edit('abc|', 'erase-forward')).toBe('abc|');
  });

  it('Ctrl-W erases the word before the cursor (back to whitespace), Ctrl-U to the start, Ctrl-K to the end', () => {
    expect(edit('php rollback point|', 'erase-word-back')).toBe('php rollback |');
    expect(edit('php rollback   |', 'erase-word-back')).toBe('php |');
    expect(edit('a/b-c|', 'erase-word-back')).toBe('|');
    expect(edit('before up|grade', 'erase-to-start')).toBe('|grade');
    expect(edit('before up|grade', 'erase-to-end')).toBe('before up|');
  });

  it('inserts typed text at the cursor', () => {
    expect(show(insertText(at('ac|'), 'b'))).toBe('acb|');
    expect(show(insertText(at('a|c'), 'b'))).toBe('ab|c');
    expect(show(insertText(at('|'), 'pasted text'))).toBe('pasted text|');
  });

  it('treats a character outside the BMP as one step', () => {
    const line = lineAtEnd('x😀');
    expect(editLine(line, 'cursor-left').cursor).toBe(1);
    expect(editLine(line, 'erase-back').text).toBe('x');
    expect(editLine({ text: '😀y', cursor: 0 }, 'erase-forward').text).toBe('y');
  });

  it('keeps the cursor in view of a narrow field', () => {
    const long = lineAtEnd('a'.repeat(50) + 'XYZ');
    const view = visibleLine(long, 10);
    expect(view.before.endsWith('XYZ')).toBe(true);
    expect(view.at).toBe(' ');
    expect(view.before.length + 1).toBeLessThanOrEqual(10);
    const start = visibleLine({ text: long.text, cursor: 0 }, 10);
    expect(start.before).toBe('');
    expect(start.at).toBe('a');
    expect(start.after.length).toBeLessThanOrEqual(9);
  });
});
