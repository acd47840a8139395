import { expect, it } from 'vitest';
import { isPrintable, splitChunk } from '../../../components/key-chunks.js';

it('turns DEL and BS characters into backspace keys', () => {
  expect(splitChunk('\u007f\u007f')).toEqual([
    { kind: 'key', name: 'backspace' },
    { kind: 'key', name: 'backspace' },
  ]);
});

it('keeps text runs and the keys between them in order, so a typed Enter is not lost', () => {
  expect(splitChunk('middle layer\r')).toEqual([
    { kind: 'text', text: 'middle layer' },
    { kind: 'key', name: 'return' },
  ]);
  expect(splitChunk('ab\u007fc\td')).toEqual([
    { kind: 'text', text: 'ab' },
    { kind: 'key', name: 'backspace' },
    { kind: 'text', text: 'c' },
    { kind: 'key', name: 'tab' },
    { kind: 'text', text: 'd' },
  ]);
});

it('turns Ctrl-letters into their keys, so readline keys sent together are not lost', () => {
  expect(splitChunk('\u0001\u0005\u0015x\u0017')).toEqual([
    { kind: 'key', name: 'ctrl-a' },
    { kind: 'key', name: 'ctrl-e' },
    { kind: 'key', name: 'ctrl-u' },
    { kind: 'text', text: 'x' },
    { kind: 'key', name: 'ctrl-w' },
  ]);
});

it('drops other control characters instead of typing them', () => {
  expect(splitChunk('a\u0000b\u009bc')).toEqual([
    { kind: 'text', text: 'a' },
    { kind: 'text', text: 'b' },
    { kind: 'text', text: 'c' },
  ]);
  expect(splitChunk('снимок ü')).toEqual([{ kind: 'text', text: 'снимок ü' }]);
});

it('leaves single keys and escape sequences to Ink', () => {
  expect(splitChunk('j')).toBeNull();
  expect(splitChunk('\u001b[A')).toBeNull();
});

it('never lets a control character count as printable', () => {
  for (const bad of ['\u007f', '\u0000', '\t', '\n', '\u009b', 'a\u007f']) expect(isPrintable(bad), JSON.stringify(bad)).toBe(false);
  for (const good of ['a', ' ', 'ü', '<&>', '日本']) expect(isPrintable(good)).toBe(true);
});
