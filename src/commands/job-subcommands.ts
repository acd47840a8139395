// The block-job subcommands (commit, pull, copy, jobs, job), registered together in this order.

import type { RegisterCommand } from './context.js';
import { registerCommit } from './commit.register.js';
import { registerCopy } from './copy.register.js';
import { registerJob } from './job.register.js';
import { registerJobs } from './jobs.register.js';
import { registerPull } from './pull.register.js';

export const registerBlockJobs: RegisterCommand = (program, context) => {
  for (const register of [registerCommit, registerPull, registerCopy, registerJobs, registerJob]) register(program, context);
};
