// One virsh process per command (argv form). Slower than the persistent session, kept for
// benchmarks, for arguments an interactive line cannot carry, and as the reference that
// the session's output must equal. It cannot hold test-driver state between commands.

import { execa } from 'execa';
import { CommandLog } from './command-log.js';
import type { VirshCommand } from './commands.js';
import { ReadOnlyError, VirshDiedError, VirshTimeoutError } from './errors.js';
import { interpretOutput, timeoutFor, VIRSH_ENV, virshBaseArgs, type CloseOptions, type RunOptions, type VirshResult, type VirshRunner } from './runner.js';

export interface OneShotOptions {
  uri: string;
  readonly?: boolean;
  log?: CommandLog;
  virshPath?: string;
}

export class OneShotRunner implements VirshRunner {
  readonly uri: string;
  readonly readonly: boolean;
  readonly log: CommandLog;
  private readonly virshPath: string;

  constructor(options: OneShotOptions) {
    this.uri = options.uri;
    this.readonly = options.readonly ?? false;
    this.log = options.log ?? new CommandLog();
    this.virshPath = options.virshPath ?? 'virsh';
  }

  async run(command: VirshCommand, options?: RunOptions): Promise<VirshResult> {
    const entry = this.log.start({ uri: this.uri, args: command.args, mutates: command.mutates, mode: 'one-shot' });
    const startedHr = process.hrtime.bigint();
    if (this.readonly && command.mutates) {
      const error = new ReadOnlyError(command.args);
      this.log.finish(entry, 'refused', startedHr, error.message);
      throw error;
    }
    const timeoutMs = timeoutFor(command, options);
    const result = await execa(this.virshPath, [...virshBaseArgs(this.uri, this.readonly), ...command.args], {
      reject: false,
      env: VIRSH_ENV,
      timeout: timeoutMs,
      stripFinalNewline: false,
      stdin: 'ignore',
    });
    if (result.timedOut) {
      const error = new VirshTimeoutError(command.args, timeoutMs);
      this.log.finish(entry, 'timeout', startedHr, error.message);
      throw error;
    }
    if (result.failed && result.code === 'ENOENT') {
      const error = new VirshDiedError(command.args, null, null, `cannot run ${this.virshPath}: install libvirt-clients`);
      this.log.finish(entry, 'died', startedHr, error.message);
      throw error;
    }
    const outcome = interpretOutput(command.args, String(result.stdout), String(result.stderr));
    if (!outcome.ok) {
      this.log.finish(entry, 'error', startedHr, outcome.error.message, outcome.warnings);
      throw outcome.error;
    }
    if (result.exitCode !== 0) {
      // Non-zero without an `error:` line: virsh was killed or crashed.
      const error = new VirshDiedError(command.args, result.exitCode ?? null, result.signal ?? null, String(result.stderr));
      this.log.finish(entry, 'died', startedHr, error.message);
      throw error;
    }
    this.log.finish(entry, 'ok', startedHr, null, outcome.warnings);
    return { stdout: outcome.stdout, warnings: outcome.warnings, durationMs: Number(process.hrtime.bigint() - startedHr) / 1e6 };
  }

  async close(_options?: CloseOptions): Promise<void> {}
}
