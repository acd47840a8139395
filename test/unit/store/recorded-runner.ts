// A VirshRunner that replays recorded virsh output: no virsh is spawned. Each command's argv
// maps to the answers virsh gave, in order (the last one repeats); a command that was never
// recorded fails loudly, so a test cannot pass on an answer nobody saw.

import { readFileSync } from 'node:fs';
import { CommandLog } from '../../../src/engine/virsh/command-log.js';
import type { VirshCommand } from '../../../src/engine/virsh/commands.js';
import { interpretOutput, type RunOptions, type VirshResult, type VirshRunner } from '../../../src/engine/virsh/runner.js';
import { VirshDiedError } from '../../../src/engine/virsh/errors.js';

export interface RecordedAnswer {
  stdout: string;
  /** virsh's stderr: `error:` lines make the command fail, as with a real virsh. */
  stderr: string;
  /** virsh itself died (could not connect): the whole stderr is what it said. */
  died?: { exitCode: number };
}

export interface Recording {
  uri: string;
  /** By argv joined with NUL. */
  answers: Record<string, RecordedAnswer[]>;
}

export const argvKey = (args: readonly string[]) => args.join('\u0000');

export function loadRecording(path: string | URL): Recording {
  return JSON.parse(readFileSync(path, 'utf8')) as Recording;
}

export class RecordedRunner implements VirshRunner {
  readonly log = new CommandLog();
  readonly uri: string;
  /** Every argv run, in order. */
  readonly ran: string[][] = [];
  private readonly served = new Map<string, number>();

  constructor(
    private readonly recording: Recording,
    readonly readonly = false,
    /** Answers that replace the recorded ones (a host that fails, a reordered list). */
    private readonly overrides: Record<string, RecordedAnswer[]> = {},
  ) {
    this.uri = recording.uri;
  }

  /** Replaces what a command answers from now on. */
  answer(args: readonly string[], ...answers: RecordedAnswer[]): void {
    this.overrides[argvKey(args)] = answers;
    this.served.delete(argvKey(args));
  }

  async run(command: VirshCommand, _options?: RunOptions): Promise<VirshResult> {
    const key = argvKey(command.args);
    this.ran.push([...command.args]);
    const entry = this.log.start({ uri: this.uri, args: command.args, mutates: command.mutates, mode: 'session' });
    const started = process.hrtime.bigint();
    const answers = this.overrides[key] ?? this.recording.answers[key];
    if (!answers || answers.length === 0) {
      this.log.finish(entry, 'error', started, 'not recorded');
      // The engine asks different questions now: record them again from the demo host.
      throw new Error(`no recorded answer for: virsh ${command.args.join(' ')} (re-record: npm run build && node test/unit/store/capture-demo.mjs)`);
    }
    const at = this.served.get(key) ?? 0;
    this.served.set(key, at + 1);
    const answer = answers[Math.min(at, answers.length - 1)]!;
    // A tick, as a real virsh takes: the store must not depend on answers arriving synchronously.
    await new Promise((resolve) => setImmediate(resolve));
    if (answer.died) {
      this.log.finish(entry, 'died', started, answer.stderr);
      throw new VirshDiedError(command.args, answer.died.exitCode, null, answer.stderr);
    }
    const result = interpretOutput(command.args, answer.stdout, answer.stderr);
    if (!result.ok) {
      this.log.finish(entry, 'error', started, result.error.libvirtMessage, result.warnings);
      throw result.error;
    }
    this.log.finish(entry, 'ok', started, null, result.warnings);
    return { stdout: result.stdout, warnings: result.warnings, durationMs: 0 };
  }

  async close(): Promise<void> {}
}
