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
