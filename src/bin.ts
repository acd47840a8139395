#!/usr/bin/env node
// The `virtsnap` executable. Shipped as a small CommonJS file, which Node runs sooner than an
// ES module graph: it starts virsh first, then loads the program while virsh connects.
import { earlyConnection } from './early-virsh.js';
import { prestartVirsh } from './engine/virsh/prestart.js';

const argv = process.argv.slice(2);
const isTty = Boolean(process.stdout.isTTY && process.stdin.isTTY);
const early = earlyConnection(argv, process.env, isTty);
if (early) prestartVirsh(early.uri, early.readonly);

import('./main.js')
  .then(({ runMain }) => runMain(argv, isTty))
  .catch((error: unknown) => {
    process.stderr.write(`virtsnap: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
