// virtsnap hosts [--json] | hosts add NAME URI [--identity F] [--readonly] | hosts remove NAME:
// the hosts file, and whether each host answers.

import { Command } from 'commander';
import { addHost, HostsFileError, hostsFilePath, readHostsFile, removeHost } from '../engine/hosts-file.js';
import type { HostStatus } from '../engine/hosts-status.js';
import { allFlags, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';

function hostsTable(statuses: readonly HostStatus[]): string {
  const rows = statuses.map((s) => [
    s.name,
    s.reachable ? 'reachable' : 'unreachable',
    s.libvirt ?? '-',
    s.hypervisor ?? '-',
    `${s.readonly ? 'ro ' : ''}${s.uri}`,
  ]);
  const header = ['NAME', 'STATUS', 'LIBVIRT', 'HYPERVISOR', 'URI'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const errors = statuses.filter((s) => s.error).map((s) => `${s.name}: ${s.error}`);
  return `${[line(header), ...rows.map(line)].join('\n')}\n${errors.length ? `\n${errors.join('\n')}\n` : ''}`;
}

/** Usage errors, not failures: a malformed file or a duplicate name is for the operator to fix. */
function asUsage<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof HostsFileError) throw new UsageError(error.message);
    throw error;
  }
}

export const registerHosts: RegisterCommand = (program, { io }) => {
  const hosts = new Command('hosts')
    .description('the hosts file: list the hosts with reachability and versions; add or remove one')
    .option('--json', 'print JSON: {file, hosts: [{name, uri, readonly, identity, reachable, libvirt, hypervisor, error, ms}]}')
    .action(async (_options: unknown, command: Command) => {
      const flags = allFlags<{ json?: boolean }>(command);
      const file = hostsFilePath(io.env);
      const entries = asUsage(() => readHostsFile(file, io.env));
      const { probeHosts } = await import('../engine/hosts-status.js');
      const statuses = await probeHosts(entries);
      if (flags.json) {
        io.stdout(`${JSON.stringify({ file, hosts: statuses }, null, 2)}\n`);
        return;
      }
      io.stdout(`hosts file: ${file}${entries.length === 0 ? ' (no hosts: virtsnap hosts add NAME URI)' : ''}\n`);
      if (entries.length > 0) io.stdout(hostsTable(statuses));
    });
  hosts
    .command('add')
    .description('add a host: a name and any libvirt URI')
    .argument('<name>', 'the name used with --host')
    .argument('<uri>', 'libvirt URI, e.g. qemu+ssh://root@hv1/system')
    .option('--identity <file>', 'SSH private key for this host (libvirt and the file checks)')
    .option('--readonly', 'always open this host read-only')
    .action((name: string, uri: string, _options: unknown, command: Command) => {
      // --readonly is also the program's own option: read wherever it was given
      const options = command.optsWithGlobals<{ identity?: string; readonly?: boolean }>();
      const file = hostsFilePath(io.env);
      asUsage(() => addHost(file, { name, uri, identity: options.identity ?? null, readonly: Boolean(options.readonly) }, io.env));
      io.stdout(`added ${name} to ${file}\n`);
    });
  hosts
    .command('remove')
    .description('remove a host from the hosts file')
    .argument('<name>')
    .action((name: string) => {
      const file = hostsFilePath(io.env);
      asUsage(() => removeHost(file, name, io.env));
      io.stdout(`removed ${name} from ${file}\n`);
    });
  program.addCommand(hosts);
};
