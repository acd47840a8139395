#!/usr/bin/env node
// The `virtsnap` executable: run the CLI with the real process streams and exit with its code.
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: Boolean(process.stdout.isTTY && process.stdin.isTTY),
  env: process.env,
});
