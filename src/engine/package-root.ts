// Where the package's own files are, found from the running module wherever it runs
// (sources, tsc's dist/, or the shipped bundle): small, so the executable's first lines can
// use it before the rest of the program has loaded.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder: the nearest folder up holding package.json and fixtures/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'fixtures'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the virtsnap package folder');
    dir = up;
  }
  return dir;
}

/** The bundled demo host: the test driver loaded with fixtures/demo-host.xml. */
export function demoUri(): string {
  return `test://${join(packageRoot(), 'fixtures', 'demo-host.xml')}`;
}
