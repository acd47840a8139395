import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { addFlowOptions } from './flow-options.js';
import type { ResumeFlags } from './resume.js';

export const registerResume: RegisterCommand = (program, context) => {
  addFlowOptions(
    subcommand(program, 'resume')
      .description("continue an unfinished flow on its own host (--rollback: undo what it did; --resolve: stop reporting it)")
      .argument('<flow>', 'the flow id, or a unique prefix of it (see `virtsnap journal`)')
      .option('--rollback', 'undo the steps it did, newest first, instead of continuing')
      .option('--resolve', 'mark it resolved (the host is as it should be); nothing is run'),
  ).action(async (flow: string, _options: unknown, command) => {
    const { resumeCommand } = await import('./resume.js');
    await resumeCommand(context, flow, allFlags<ResumeFlags>(command));
  });
};
