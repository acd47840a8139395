// The shipped bundle: a subcommand loads no Ink, React or yoga (their chunks come only through
// the TUI's dynamic import), and the executable's first file is small, CommonJS and imports
// nothing of its own, so virsh starts before the rest of the program has loaded.

import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

/** Files reached from `file` by static imports, and those reached only by import(). */
function graph(file: string, staticFiles = new Set<string>(), dynamicFiles = new Set<string>()) {
  if (staticFiles.has(file)) return { staticFiles, dynamicFiles };
  staticFiles.add(file);
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)) {
    const spec = (match[1] ?? match[2])!;
    if (spec.startsWith('.')) graph(resolve(dirname(file), spec), staticFiles, dynamicFiles);
  }
  for (const match of source.matchAll(/import\(\s*["'](\.[^"']+)["']\s*\)/g)) dynamicFiles.add(resolve(dirname(file), match[1]!));
  return { staticFiles, dynamicFiles };
}

it('the executable is a small first file; the CLI loads without Ink, React or yoga', () => {
  expect(statSync(BIN).size).toBeLessThan(20_000);
  const first = readFileSync(BIN, 'utf8');
  // CommonJS in a folder that says so, requiring only Node's own modules
  expect(JSON.parse(readFileSync(resolve(dirname(BIN), 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  expect([...first.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).every((spec) => spec!.startsWith('node:'))).toBe(true);
  expect(first).toContain('spawn)("virsh"');
  // what the CLI loads: the program the first file imports, and its static imports
  const program = [...first.matchAll(/import\(\s*"(\.[^"]+)"\s*\)/g)].map((m) => resolve(dirname(BIN), m[1]!));
  expect(program).toEqual([resolve(dirname(BIN), 'main.mjs')]);
  const fromCli = graph(program[0]!);
  const loaded = new Set(fromCli.staticFiles);
  const text = [...loaded].map((f) => readFileSync(f, 'utf8')).join('\n');
  expect(text).toContain('snapshot-list');
  expect(text).not.toContain('react-reconciler');
  expect(text).not.toContain('yoga-wasm');
  expect(text).not.toMatch(/node_modules\/ink\//);
  // …and the TUI is one dynamic import away, with all of them
  const tui = [...fromCli.dynamicFiles].find((f) => /\/run-tui-[^/]+\.mjs$/.test(f));
  expect(tui).toBeDefined();
  expect(readFileSync(tui!, 'utf8')).toContain('node_modules/ink/');
});
