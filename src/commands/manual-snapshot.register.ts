// `virtsnap manual-snapshot DOMAIN [NAME]`: a snapshot of a domain whose disks use
// snapshot='manual', guided. libvirt takes the memory and leaves the guest paused; the storage
// part is yours; then the guest is resumed:
//   on a terminal     the plan, then a prompt: `done` resumes the guest, `cancel` (or Ctrl-C)
//                     resumes it too and discards the snapshot
//   --yes --then-resume   no prompt: the guest is resumed at once (the storage is snapshotted
//                     by something else, e.g. a hook, or not needed)
//   --yes --pause-only    stop with the guest paused and the flow unfinished in the journal; a
//                     script snapshots the storage, then `virtsnap resume ID --yes` resumes it

import type { FlowPlan } from '../engine/flows/flow-plan.js';
import type { ManualSnapshotContext, ManualSnapshotParams } from '../engine/flows/manual-snapshot.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';

interface ManualFlags extends FlowFlags {
  /** A file, or false for --no-memory. */
  memory?: string | false;
  disks?: string;
  live?: boolean;
  thenResume?: boolean;
  pauseOnly?: boolean;
}

export const registerManualSnapshot: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'manual-snapshot')
      .description("snapshot a domain whose disks use snapshot='manual': libvirt takes the memory, you snapshot the storage, virtsnap resumes the guest")
      .argument('<domain>', 'domain name')
      .argument('[name]', 'snapshot name (default manual-<UTC time>)')
      .option('--memory <file>', 'memory file (default: beside the first file disk)')
      .option('--no-memory', 'no memory: libvirt pauses the guest at once')
      .option('--disks <list>', "disks to snapshot by hand (default: those with snapshot='manual')")
      .option('--live', 'copy the memory while the guest runs; it is paused afterwards all the same')
      .option('--then-resume', 'with --yes: resume the guest right after libvirt is done, without asking')
      .option('--pause-only', 'with --yes: leave the guest paused and the flow unfinished; `virtsnap resume ID --yes` resumes it'),
  )
    .addHelpText('after', '\nSee docs/capture-methods.md for the exact forms for scripts.')
    .action(async (domain: string, name: string | undefined, _options: unknown, command) => {
      const flags = allFlags<ManualFlags>(command);
      if (flags.thenResume && flags.pauseOnly) throw new UsageError('--then-resume and --pause-only exclude each other');
      const host = connect(flags);
      const [{ runFlow }, { Journal }, { planManualSnapshot }, { exitWith, presentPlanFromCli, reportOutcome, stepEventPrinter }, { askOnTerminal }] = await Promise.all([
        import('../engine/flows/flow-run.js'),
        import('../engine/flows/journal.js'),
        import('../engine/flows/manual-snapshot.js'),
        import('./flow-cli.js'),
        import('./job-prompt.js'),
      ]);
      const plan = await planManualSnapshot(host, {
        domain,
        name,
        memoryFile: flags.memory === false ? null : flags.memory,
        manualDisks: flags.disks ? flags.disks.split(',').map((d) => d.trim()).filter(Boolean) : undefined,
        live: flags.live,
      });
      const params = plan.params as ManualSnapshotParams;
      const ctx = plan.context as ManualSnapshotContext;
      const interactive = io.isTty && !flags.thenResume && !flags.pauseOnly;
      if (!interactive && !flags.thenResume && !flags.pauseOnly && flags.yes && !flags.dryRun && plan.refusal === null) {
        io.stderr('virtsnap: not run: no terminal to confirm the storage snapshot on; add --pause-only (then `virtsnap resume ID --yes`) or --then-resume\n');
        exitWith(2);
      }
      await presentPlanFromCli(plan as FlowPlan, { io, host, flags });
      if (interactive) {
        ctx.confirmStorage = async (lines) => {
          io.stderr(`\n${lines.join('\n')}\n`);
          for (;;) {
            const answer = await askOnTerminal('Type "done" once the storage snapshot is taken, or "cancel": ', 'cancel');
            if (answer === 'done') return 'confirmed';
            if (answer === 'cancel') return 'cancelled';
          }
        };
      } else if (flags.thenResume) {
        ctx.confirmStorage = async () => 'confirmed';
      }
      const journal = new Journal();
      const controller = new AbortController();
      const printer = stepEventPrinter(io, flags, plan as FlowPlan);
      const outcome = await runFlow(plan as FlowPlan, {
        journal,
        signal: controller.signal,
        onEntry: (entry) => {
          printer(entry);
          if (flags.pauseOnly && entry.step === 'snapshot' && entry.event === 'done') controller.abort(new Error('--pause-only'));
        },
      });
      if (flags.pauseOnly && outcome.status === 'stopped' && outcome.unfinished) {
        if (flags.json) io.stdout(`${JSON.stringify({ type: 'result', status: 'paused', flowId: outcome.flowId, unfinished: true, domain, snapshot: params.name, disks: params.manual })}\n`);
        else {
          io.stdout(
            `${domain} is PAUSED after snapshot “${params.name}” (flow ${outcome.flowId}).\n` +
              params.manual.map((d) => `  snapshot ${d.target}: ${d.source ?? '(no source)'}\n`).join('') +
              `Then: virtsnap resume ${outcome.flowId} --yes   (resumes the guest; --rollback discards the snapshot and resumes it)\n`,
          );
        }
        return;
      }
      reportOutcome(io, flags, outcome, (o) =>
        ctx.cancelled
          ? `Cancelled: ${domain} runs again and snapshot “${params.name}” was discarded (flow ${o.flowId}).\n`
          : `Snapshot “${params.name}” of ${domain} taken; the guest runs again (flow ${o.flowId}).\n`,
      { snapshot: params.name, cancelled: ctx.cancelled });
      if (outcome.status !== 'done') exitWith(1);
    });
};
