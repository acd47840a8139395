import { describe, expect, it } from 'vitest';
import { wrapAll, wrapLine } from '../../../components/wrap-lines.js';

describe('wrapLine', () => {
  it('keeps a line that fits, and breaks a long one at spaces with an indented continuation', () => {
    expect(wrapLine('short', 10)).toEqual(['short']);
    expect(wrapLine('  one two three four', 10)).toEqual(['  one two', '    three', '    four']);
  });

  it('never returns a line wider than the width, cutting a word longer than it', () => {
    const long = `       $ virsh -c test:///a/very/long/path/to/a/demo-host.xml snapshot-revert '--snapshotname=a b'`;
    for (const width of [12, 20, 37, 76]) {
      const lines = wrapLine(long, width);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(width);
      // nothing is lost but the spaces at the breaks
      expect(lines.map((l) => l.trim()).join('').replace(/\s/g, '')).toBe(long.replace(/\s/g, ''));
    }
  });

  it('counts characters, not bytes, and breaks at newlines', () => {
    expect(wrapLine('“é” ü ä', 7)).toEqual(['“é” ü ä']);
    expect(wrapLine('a\nb', 10)).toEqual(['a', 'b']);
  });

  it('keeps each line’s colour through wrapping', () => {
    expect(wrapAll([{ text: 'red words here', color: 'red' }], 9)).toEqual([
      { text: 'red words', color: 'red' },
      { text: '  here', color: 'red' },
    ]);
  });
});
