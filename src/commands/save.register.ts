// `virtsnap save DOMAIN FILE`, `virtsnap restore FILE`, `virtsnap managedsave DOMAIN [--remove]`:
// the guest's memory only, as flows with the trade-offs in the plan.

import type { FlowPlan } from '../engine/flows/flow-plan.js';
import type { AfterRestore } from '../engine/flows/save.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';

/** The save flows and the CLI runner, loaded when one of these subcommands runs. */
const load = () => Promise.all([import('../engine/flows/save.js'), import('./flow-cli.js')]);

interface AfterFlags extends FlowFlags {
  running?: boolean;
  paused?: boolean;
}

function afterOf(flags: AfterFlags): AfterRestore {
  if (flags.running && flags.paused) throw new UsageError('--running and --paused exclude each other');
  return flags.running ? 'running' : flags.paused ? 'paused' : 'as-saved';
}

export const registerSave: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'save')
      .description("save a running domain's memory to a file and stop it (you keep the file; `virtsnap restore FILE` continues it)")
      .argument('<domain>', 'domain name')
      .argument('<file>', 'the save file (must not exist)')
      .option('--running', 'the restore leaves it running')
      .option('--paused', 'the restore leaves it paused'),
  ).action(async (domain: string, file: string, _options: unknown, command) => {
    const flags = allFlags<AfterFlags>(command);
    const host = connect(flags);
    const [{ planSave }, { runPlanFromCli }] = await load();
    const plan = await planSave(host, { domain, file, after: afterOf(flags) });
    await runPlanFromCli(plan as FlowPlan, { io, host, flags, describeDone: (o) => `Saved ${domain} to ${(plan.params as { file: string }).file}; it is shut off (saved) (flow ${o.flowId}).\n` });
  });
};

export const registerRestore: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'restore')
      .description('start a domain from a save file (where `virtsnap save` stopped it)')
      .argument('<file>', 'the save file')
      .option('--running', 'leave it running')
      .option('--paused', 'leave it paused'),
  ).action(async (file: string, _options: unknown, command) => {
    const flags = allFlags<AfterFlags>(command);
    const host = connect(flags);
    const [{ planRestore }, { runPlanFromCli }] = await load();
    const plan = await planRestore(host, { file, after: afterOf(flags) });
    await runPlanFromCli(plan as FlowPlan, { io, host, flags, describeDone: (o) => `Restored ${plan.domain} from ${file} (flow ${o.flowId}).\n` });
  });
};

export const registerManagedSave: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'managedsave')
      .description("save a domain's memory into libvirt's managed save image and stop it; the next start resumes it")
      .argument('<domain>', 'domain name')
      .option('--remove', 'remove the managed save image instead (the next start boots afresh)')
      .option('--running', 'the next start leaves it running')
      .option('--paused', 'the next start leaves it paused'),
  ).action(async (domain: string, _options: unknown, command) => {
    const flags = allFlags<AfterFlags & { remove?: boolean }>(command);
    const host = connect(flags);
    const [{ planManagedSave }, { runPlanFromCli }] = await load();
    const plan = await planManagedSave(host, { domain, remove: flags.remove, after: afterOf(flags) });
    await runPlanFromCli(plan as FlowPlan, {
      io,
      host,
      flags,
      describeDone: (o) =>
        flags.remove ? `Removed ${domain}'s managed save image (flow ${o.flowId}).\n` : `${domain} is saved and shut off; its next start resumes it (flow ${o.flowId}).\n`,
    });
  });
};
