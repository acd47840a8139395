#!/usr/bin/env node
// The `virtsnap` executable: run the CLI with the real process streams and exit with its code.
// virsh starts first, and the program loads while it connects.
import { earlyConnection } from './early-virsh.js';
import { discardPrestartedVirsh, prestartVirsh } from './engine/virsh/prestart.js';

const argv = process.argv.slice(2);
const isTty = Boolean(process.stdout.isTTY && process.stdin.isTTY);
const early = earlyConnection(argv, process.env, isTty);
if (early) prestartVirsh(early.uri, early.readonly);

const { main } = await import('./cli.js');
process.exitCode = await main(argv, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty,
  env: process.env,
});
discardPrestartedVirsh();
