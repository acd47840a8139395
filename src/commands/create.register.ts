import { allFlags, subcommand, type RegisterCommand } from './context.js';
import type { CreateOptions } from './create.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export const registerCreate: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'create')
      .description('plan and create a snapshot (internal or external, memory and disks), as virsh snapshot-create-as would')
      .argument('<domain>', 'domain name')
      .argument('[name]', 'snapshot name (default: the creation time, as libvirt does)')
      .option('--description <text>', 'snapshot description')
      .option('--memspec <spec>', "memory: [file=]PATH[,snapshot=no|internal|external] (a literal ',' is written ',,')")
      .option('--diskspec <spec>', 'a disk: DISK[,snapshot=TYPE][,driver=TYPE][,stype=file|block][,file=PATH]; repeatable', collect)
      .option('--disk-only', 'disks only, no memory state')
      .option('--live', 'keep the guest running while its memory is saved (external memory)')
      .option('--atomic', 'all disks or none')
      .option('--quiesce', "freeze the guest's file systems (needs the guest agent)")
      .option('--no-metadata', 'take the snapshot but let libvirt keep no record of it')
      .option('--reuse-external', 'use existing overlay and memory files')
      .option('--halt', 'shut the domain off after the snapshot')
      .option('--from-file <file>', 'a <domainsnapshot> XML file (as virsh snapshot-create takes)')
      .option('--xl-config <file>', "an xl snapshot config (name=, description=, memory_path=, disks=['path,format,target'])"),
  )
    .addHelpText(
      'after',
      '\n--dry-run works on a read-only connection and exits 0 only when libvirt would accept the snapshot (2 otherwise).\n--json prints the plan as one line with the planner\'s {verdict, reason, method, xml, commands, files, pause, warnings}, then each step event, then the result.',
    )
    .action(async (domain: string, name: string | undefined, _options: unknown, command) => {
      const flags = allFlags<CreateOptions & FlowFlags & { metadata?: boolean }>(command);
      // commander turns --no-metadata into metadata=false
      const options: CreateOptions = { ...flags, noMetadata: flags.metadata === false };
      const { requestFromOptions, runCreate } = await import('./create.js');
      const request = requestFromOptions(name, options);
      await runCreate(connect(flags), io, domain, request, flags);
    });
};
