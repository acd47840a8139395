// The shipped bundle: a subcommand loads no Ink, React or yoga (their chunks come only through
// the TUI's dynamic import), and the executable's first file is small, so virsh starts before
// the rest of the program has loaded.

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
  // what the CLI loads: the first file, the CLI chunk it imports, and their static imports
  const first = graph(BIN);
  const cli = [...first.dynamicFiles].find((f) => /\/cli-[^/]+\.js$/.test(f));
  expect(cli).toBeDefined();
  const loaded = new Set(first.staticFiles);
  const fromCli = graph(cli!);
  for (const f of fromCli.staticFiles) loaded.add(f);
  const text = [...loaded].map((f) => readFileSync(f, 'utf8')).join('\n');
  expect(text).toContain('snapshot-list');
  expect(text).not.toContain('react-reconciler');
  expect(text).not.toContain('yoga-wasm');
  expect(text).not.toMatch(/node_modules\/ink\//);
  // …and the TUI is one dynamic import away, with all of them
  const tui = [...fromCli.dynamicFiles].find((f) => /\/run-tui-[^/]+\.js$/.test(f));
  expect(tui).toBeDefined();
  expect(readFileSync(tui!, 'utf8')).toContain('node_modules/ink/');
});
