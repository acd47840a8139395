// The block-job subcommands (commit, pull, jobs, job), registered together in this order.

import type { RegisterCommand } from './context.js';
import { registerCommit } from './commit.register.js';
import { registerJob } from './job.register.js';
import { registerJobs } from './jobs.register.js';
import { registerPull } from './pull.register.js';

export const registerBlockJobs: RegisterCommand = (program, context) => {
  for (const register of [registerCommit, registerPull, registerJobs, registerJob]) register(program, context);
};
