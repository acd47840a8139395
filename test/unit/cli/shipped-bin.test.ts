// Tests that run virtsnap as a process run what ships: the bundle package.json names as its bin,
// not tsc's per-file output (which is there too, for the benchmarks and type checks).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|tsx|mjs)$/.test(name) ? [path] : [];
  });
}

it('package.json ships the bundle, and no test or bench runs tsc output as the CLI', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
  expect(pkg.bin.virtsnap).toBe('dist/virtsnap/bin.js');
  expect(pkg.files).toContain('dist/virtsnap/');
  const offenders = [...files(join(ROOT, 'test')), ...files(join(ROOT, 'bench'))].filter((file) =>
    readFileSync(file, 'utf8').includes(['dist', 'src', 'bin.js'].join('/')),
  );
  expect(offenders.map((f) => f.slice(ROOT.length + 1))).toEqual([]);
});
