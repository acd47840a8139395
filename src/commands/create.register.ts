import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { CommanderError } from 'commander';
import { requestFromOptions, runCreate, type CreateOptions } from './create.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export const registerCreate: RegisterCommand = (program, { io, connect }) => {
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
    .option('--xl-config <file>', "an xl snapshot config (name=, description=, memory_path=, disks=['path,format,target'])")
    .option('--dry-run', 'show the plan and change nothing (works with --readonly)')
    .option('--json', 'print JSON: the plan {verdict, reason, method, xml, commands, files, pause, warnings}')
    .action(async (domain: string, name: string | undefined, _options: unknown, command) => {
      const flags = allFlags<CreateOptions & { metadata?: boolean }>(command);
      // commander turns --no-metadata into metadata=false
      const options: CreateOptions = { ...flags, noMetadata: flags.metadata === false };
      const request = requestFromOptions(name, options);
      const outcome = await runCreate(connect(flags), domain, request, options);
      if (outcome.stderr) io.stderr(outcome.stderr);
      io.stdout(outcome.stdout);
      // A plan that cannot run is an answer, not an error: exit 2 without an error message.
      if (outcome.exitCode !== 0) throw new CommanderError(outcome.exitCode, 'virtsnap.plan-not-ok', '');
    });
};
