import { Argument } from 'commander';
import type { RegisterCommand } from './context.js';
import { bashCompletion, zshCompletion } from './completion.js';

export const registerCompletion: RegisterCommand = (program, { io }) => {
  program
    .command('completion')
    .description('print a shell completion script: source <(virtsnap completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      io.stdout(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
    });
};
