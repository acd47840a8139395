import { describe, expect, it } from 'vitest';
import { fitHints, hintText } from '../../../components/hint-bar.js';

const hints = ['↑↓ move', 'tab pane', '/ search', 'x xml', 'd disks', 'c create', 'e edit', 'v revert', 'D delete', 'J jobs', 'r refresh', 'L log', '? help', 'q quit'].map(
  (text) => ({ text, disabled: text === 'v revert' }),
);
const line = (list: ReturnType<typeof fitHints>) => list.map(hintText).join('  ');

describe('fitHints', () => {
  it('keeps ? help and q quit at the end however narrow the terminal', () => {
    for (const width of [20, 40, 60, 78]) {
      const fitted = fitHints(hints, width);
      expect(fitted.slice(-2).map((h) => h.text)).toEqual(['? help', 'q quit']);
      if (width >= 20) expect(line(fitted).length).toBeLessThanOrEqual(width);
    }
    expect(line(fitHints(hints, 78))).toContain('↑↓ move');
  });

  it('shows every hint on a wide terminal, disabled ones in parentheses', () => {
    const text = line(fitHints(hints, 200));
    expect(text).toContain('(v revert)');
    expect(text.split('  ')).toHaveLength(hints.length);
  });
});
