// Subcommands must start fast: nothing reachable from the CLI's static imports may pull in
// React, Ink or the components. Only the TUI action loads them, through a dynamic import().

import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Static `import … from '…'` / `export … from '…'` specifiers (dynamic import() excluded). */
function staticImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) specifiers.push((match[1] ?? match[2])!);
  return specifiers;
}

function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, ''));
        const candidates = ['.ts', '.tsx'].map((ext) => target + ext);
        const found = candidates.find((c) => existsSync(c));
        if (!found) throw new Error(`cannot resolve ${spec} from ${file}`);
        queue.push(found);
      } else {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return { files, packages };
}

it('the CLI loads no React, Ink or component code unless the TUI starts', () => {
  const { files, packages } = reachable(resolve(ROOT, 'src/cli.tsx'));
  expect(files.size).toBeGreaterThan(10);
  expect([...packages].sort()).not.toContain('ink');
  expect([...packages]).not.toContain('react');
  expect([...files].filter((f) => f.includes('/components/'))).toEqual([]);
  // and the TUI entry really does use them, so the check above can fail
  const tui = reachable(resolve(ROOT, 'components/run-tui.tsx'));
  expect(tui.packages).toContain('ink');
});
