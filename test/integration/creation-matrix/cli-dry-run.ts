// Runs `virtsnap create … --dry-run --json` in-process for a matrix case, the way an operator
// would type it: memory and disks as --memspec/--diskspec, flags as options.

import { main } from '../../../src/cli.js';
import { diskspec, memspec } from '../../../src/engine/create/plan-commands.js';
import type { CreateRequest } from '../../../src/engine/create/types.js';

const FLAG_OPTIONS: [keyof CreateRequest['flags'], string][] = [
  ['diskOnly', '--disk-only'],
  ['live', '--live'],
  ['atomic', '--atomic'],
  ['quiesce', '--quiesce'],
  ['noMetadata', '--no-metadata'],
  ['reuseExternal', '--reuse-external'],
  ['halt', '--halt'],
];

export interface DryRun {
  exitCode: number;
  verdict: string | null;
  reason: string | null;
  warnings: string[];
  stderr: string;
}

export async function createDryRun(uri: string, domain: string, request: CreateRequest): Promise<DryRun> {
  const options: string[] = [];
  if (request.memory) options.push('--memspec', memspec(request.memory));
  for (const disk of request.disks) options.push('--diskspec', diskspec(disk));
  for (const [flag, option] of FLAG_OPTIONS) if (request.flags[flag]) options.push(option);
  // positionals after `--`: a snapshot name may start with '-'
  const args = ['create', '--dry-run', '--json', '-c', uri, ...options, '--', domain, ...(request.name ? [request.name] : [])];
  let stdout = '';
  let stderr = '';
  const exitCode = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTty: false, env: {} });
  let plan: { verdict?: string; reason?: string | null; warnings?: string[] } = {};
  try {
    plan = JSON.parse(stdout) as typeof plan;
  } catch {
    // no plan printed: the command line itself was refused (stderr says why)
  }
  return { exitCode, verdict: plan.verdict ?? null, reason: plan.reason ?? null, warnings: plan.warnings ?? [], stderr };
}
