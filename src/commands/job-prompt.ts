// One question on the terminal, answered with a line; the default is what an empty answer
// (or a Ctrl-C at the prompt) picks.

import { createInterface } from 'node:readline';

export async function askOnTerminal(question: string, defaultAnswer: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.on('SIGINT', () => resolve(defaultAnswer));
      rl.on('close', () => resolve(defaultAnswer));
      rl.question(question, (answer) => resolve(answer.trim().toLowerCase() || defaultAnswer));
    });
  } finally {
    rl.close();
  }
}

/** y/N question: only an explicit yes counts. */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  const answer = await askOnTerminal(`${question} [y/N] `, 'n');
  return answer === 'y' || answer === 'yes';
}

export interface JobInterruptOptions {
  /** Whether there is a terminal to ask on. */
  isTty: boolean;
  /** False when there is no job to leave running (qemu-img offline): Ctrl-C then only stops. */
  canLeaveRunning: boolean;
  abort(): Promise<unknown>;
  /** Stop following; the job goes on in libvirt. */
  detach(): void;
  /** Called with true while the question is on screen (the progress bar pauses), false after. */
  onPrompt(asking: boolean): void;
}

/**
 * Ctrl-C while a job is followed: on a terminal, ask whether to abort the job (the default) or
 * leave it running; without one, abort. Returns the function that stops listening.
 */
export function onJobInterrupt(options: JobInterruptOptions): () => void {
  let interrupted = false;
  const handler = () => {
    if (interrupted) return;
    interrupted = true;
    if (!options.isTty || !options.canLeaveRunning) {
      void options.abort().catch(() => {});
      return;
    }
    options.onPrompt(true);
    void askOnTerminal('Abort the job (the chain stays as it was) or leave it running? [A/l] ', 'a').then((answer) => {
      options.onPrompt(false);
      if (answer.startsWith('l')) options.detach();
      else void options.abort().catch(() => {});
      interrupted = false;
    });
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
