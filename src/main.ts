// The program the executable (bin.ts) loads once virsh is on its way: run the CLI with the
// real process streams and exit with its code.
import { main } from './cli.js';
import { discardPrestartedVirsh } from './engine/virsh/prestart.js';

export async function runMain(argv: readonly string[], isTty: boolean): Promise<void> {
  process.exitCode = await main([...argv], {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty,
    env: process.env,
  });
  discardPrestartedVirsh();
}
