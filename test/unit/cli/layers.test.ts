// The layers point one way: engine ← store ← components, engine ← commands; src/format is a
// leaf every layer may use (it knows only the engine's model types). A file that imports upward
// fails here, with the offending import named.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

type Layer = 'engine' | 'store' | 'commands' | 'components' | 'format' | 'cli';

function layerOf(file: string): Layer | null {
  const rel = relative(ROOT, file);
  if (rel.startsWith('src/engine/')) return 'engine';
  if (rel.startsWith('src/store/')) return 'store';
  if (rel.startsWith('src/commands/')) return 'commands';
  if (rel.startsWith('src/format/')) return 'format';
  if (rel.startsWith('components/')) return 'components';
  if (rel.startsWith('src/')) return 'cli';
  return null;
}

/** What each layer may import (besides itself). */
const ALLOWED: Record<Layer, Layer[]> = {
  format: [],
  engine: ['format'],
  store: ['engine', 'format'],
  commands: ['engine', 'format'],
  components: ['store', 'engine', 'format'],
  // the entry point wires commands, and the TUI through a dynamic import
  cli: ['commands', 'engine', 'format', 'components'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

function imports(source: string): string[] {
  const out: string[] = [];
  const pattern = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of source.matchAll(pattern)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

it('no layer imports upward', () => {
  const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'components'))];
  expect(files.length).toBeGreaterThan(50);
  const violations: string[] = [];
  for (const file of files) {
    const from = layerOf(file)!;
    for (const spec of imports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        if (from !== 'components' && from !== 'cli' && /^(react|ink)(\/|$)/.test(spec) && !file.endsWith('.tsx')) {
          violations.push(`${relative(ROOT, file)} imports ${spec}`);
        }
        continue;
      }
      const target = resolve(dirname(file), spec);
      const to = layerOf(target);
      if (!to || to === from) continue;
      // the model is plain types every layer shares, the format leaf included
      if (from === 'format' && relative(ROOT, target).startsWith('src/engine/model')) continue;
      if (!ALLOWED[from].includes(to)) violations.push(`${relative(ROOT, file)} (${from}) imports ${spec} (${to})`);
    }
  }
  expect(violations).toEqual([]);
});

it('the check catches an upward import', () => {
  // the same rule applied to a made-up store file that reaches into the CLI
  const from: Layer = 'store';
  expect(ALLOWED[from].includes(layerOf(join(ROOT, 'src/commands/list.ts'))!)).toBe(false);
  expect(ALLOWED.engine.includes('store')).toBe(false);
});
