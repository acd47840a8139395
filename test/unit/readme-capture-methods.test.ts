// The README's table of capture methods is the engine's (src/engine/capture-methods.ts), which the
// TUI's capture menu draws: a method added or changed there must be copied here, unchanged.

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { CAPTURE_METHODS, captureMethodsMarkdown } from '../../src/engine/capture-methods.js';

it('README.md carries the engine table of capture methods unchanged', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = /<!-- capture-methods:begin -->\n([\s\S]*?)<!-- capture-methods:end -->/.exec(readme)?.[1];
  expect(table).toBe(captureMethodsMarkdown());
  for (const m of CAPTURE_METHODS) expect(table).toContain(`| ${m.label} |`);
});

it("README.md names the TUI's capture keys", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  expect(readme).toMatch(/^\| `C` \| capture state/m);
  expect(readme).toMatch(/^\| `b`, `K` \| back up the domain through a temporary snapshot/m);
});
