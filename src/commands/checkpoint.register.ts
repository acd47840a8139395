// `virtsnap checkpoint list DOMAIN [--json]` and `virtsnap checkpoint delete DOMAIN NAME`.

import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { addConnectionOptions, allFlags, type RegisterCommand } from './context.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';

export const registerCheckpoint: RegisterCommand = (program, { io, connect }) => {
  const group = program.command('checkpoint').description("a domain's checkpoints (where incremental backups count changes from)");
  addConnectionOptions(group.command('list'))
    .description('list the checkpoints with their parent, time, and the dirty bitmap of each disk')
    .argument('<domain>', 'domain name')
    .option('--json', 'print them as JSON')
    .action(async (domain: string, _options: unknown, command) => {
      const flags = allFlags<{ json?: boolean }>(command);
      const [{ listCheckpoints }, { formatTime }] = await Promise.all([import('../engine/flows/checkpoint.js'), import('../format/time.js')]);
      const checkpoints = await listCheckpoints(connect(flags), domain);
      if (flags.json) {
        io.stdout(`${JSON.stringify({ domain, checkpoints }, null, 2)}\n`);
        return;
      }
      if (checkpoints.length === 0) {
        io.stdout(`${domain} has no checkpoints.\n`);
        return;
      }
      for (const c of checkpoints) {
        const disks = c.disks.map((d) => (d.checkpoint === 'bitmap' ? `${d.name}:${d.bitmap ?? '?'}` : `${d.name}:-`)).join(' ');
        io.stdout(`${c.name}  ${c.creationTime !== null ? formatTime(c.creationTime) : '?'}  parent: ${c.parent ?? '-'}  bitmaps: ${disks}\n`);
      }
    });
  addFlowOptions(
    addConnectionOptions(group.command('delete'))
      .description("delete a checkpoint (its bitmap is merged into its parent's); no incremental can start from it afterwards")
      .argument('<domain>', 'domain name')
      .argument('<name>', 'checkpoint name')
      .option('--metadata', "only forget libvirt's record (for a checkpoint whose bitmaps are broken)"),
  ).action(async (domain: string, name: string, _options: unknown, command) => {
    const flags = allFlags<FlowFlags & { metadata?: boolean }>(command);
    const host = connect(flags);
    const [{ planCheckpointDelete }, { runPlanFromCli }] = await Promise.all([import('../engine/flows/checkpoint.js'), import('./flow-cli.js')]);
    const plan = await planCheckpointDelete(host, { domain, name, metadataOnly: flags.metadata });
    await runPlanFromCli(plan as FlowPlan, { io, host, flags, describeDone: (o) => `Deleted checkpoint ${name} of ${domain} (flow ${o.flowId}).\n` });
  });
};
