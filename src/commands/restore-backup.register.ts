import type { FlowPlan } from '../engine/flows/flow-plan.js';
import type { RestoreBackupParams } from '../engine/flows/backup-restore.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';

export const registerRestoreBackup: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'restore-backup')
      .description('build usable disk images from a backup directory: the full copy and its incrementals rebased into one chain per disk')
      .argument('<dir>', 'backup directory (with virtsnap-backup.json)')
      .requiredOption('--to <dir2>', 'new directory for the restored images')
      .option('--upto <checkpoint>', 'stop at this backup (default: the newest)'),
  ).action(async (dir: string, _options: unknown, command) => {
    const flags = allFlags<FlowFlags & { to: string; upto?: string }>(command);
    const host = connect(flags);
    const [{ planRestoreBackup }, { runPlanFromCli }] = await Promise.all([import('../engine/flows/backup-restore.js'), import('./flow-cli.js')]);
    const plan = planRestoreBackup(host, { dir, to: flags.to, upto: flags.upto });
    const params = plan.params as RestoreBackupParams;
    await runPlanFromCli(plan as FlowPlan, {
      io,
      host,
      flags,
      describeDone: (outcome) =>
        `Restored into ${params.to} (flow ${outcome.flowId}):\n` +
        params.disks.map((d) => `  ${d.target}: ${d.to.at(-1) ?? ''}\n`).join('') +
        (params.domainXmlTo ? `  definition: ${params.domainXmlTo}\n` : ''),
      resultExtra: () => ({ to: params.to, tops: Object.fromEntries(params.disks.map((d) => [d.target, d.to.at(-1) ?? null])) }),
    });
  });
};
