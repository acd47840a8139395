// Questions asked on the terminal during `virtsnap edit`. Answers are read from stdin and
// questions written to stderr, so stdout stays the command's result.

import { createInterface } from 'node:readline/promises';

export interface Prompter {
  /** Returns the chosen key; an empty answer (Enter) or end of input picks `defaultKey`. */
  choose(question: string, keys: readonly string[], defaultKey: string): Promise<string>;
}

export function terminalPrompter(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter {
  return {
    async choose(question, keys, defaultKey) {
      const hint = keys.map((k) => (k === defaultKey ? k.toUpperCase() : k)).join('/');
      const rl = createInterface({ input, output, terminal: false });
      try {
        for (;;) {
          let answer: string;
          try {
            output.write(`${question} [${hint}] `);
            answer = (await rl.question('')).trim().toLowerCase();
          } catch {
            return defaultKey;
          }
          if (answer === '') return defaultKey;
          const match = keys.find((k) => k === answer || k.startsWith(answer));
          if (match) return match;
        }
      } finally {
        rl.close();
      }
    },
  };
}
