// restore-backup: a usable image chain from a backup directory. The full copy and each
// incremental after it (manifest order) are copied to the new directory, and each incremental
// is rebased, without touching its data, onto the one before it (`qemu-img rebase -u -b`): an
// incremental holds only the clusters written since its checkpoint, and the rest reads through
// to the older backups. The newest file of each chain is the disk to use. The domain XML is
// written beside them with each disk pointing at its restored chain.

import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Host } from '../host.js';
import { attr, child, children, parseXml, serializeXml, setAttr } from '../xml/document.js';
import { readManifest, restoreChain } from './backup-manifest.js';
import { copyTimeoutMs, runQemuImg } from './backup-tools.js';
import { planDefaults, type FlowPlan } from './flow-plan.js';
import { StepMachine, type StepDefinition } from './step-machine.js';

export interface RestoreDisk {
  target: string;
  /** Backup files, full first. */
  from: string[];
  /** Their copies in the new directory, same order; the last is the disk's top. */
  to: string[];
  formats: string[];
  virtualSize: number;
}

export interface RestoreBackupParams {
  domain: string;
  dir: string;
  to: string;
  backups: string[];
  disks: RestoreDisk[];
  domainXmlFrom: string | null;
  domainXmlTo: string | null;
  refusal: string | null;
}

export interface RestoreBackupContext {
  host: Host;
}

export function planRestoreBackup(host: Host, request: { dir: string; to: string; upto?: string }): FlowPlan<RestoreBackupContext> {
  const dir = resolve(request.dir);
  const to = resolve(request.to);
  let refusal: string | null = null;
  const manifest = existsSync(dir) ? readManifest(dir) : null;
  let chain: ReturnType<typeof restoreChain> = [];
  if (!manifest) refusal = `${dir} has no virtsnap-backup.json: it is not a virtsnap backup directory`;
  else {
    try {
      chain = restoreChain(manifest, request.upto);
    } catch (error) {
      refusal = error instanceof Error ? error.message : String(error);
    }
  }
  const targets = chain[0]?.disks.map((d) => d.target) ?? [];
  const disks: RestoreDisk[] = targets.map((target) => {
    const entries = chain.map((b) => b.disks.find((d) => d.target === target));
    if (entries.some((e) => e === undefined)) refusal ??= `${target} is not in every backup of the chain`;
    const present = entries.filter((e) => e !== undefined);
    return {
      target,
      from: present.map((e) => join(dir, e.file)),
      to: present.map((e) => join(to, e.file)),
      formats: present.map((e) => e.format),
      virtualSize: present[0]?.virtualSize ?? 0,
    };
  });
  for (const file of disks.flatMap((d) => d.to)) if (existsSync(file)) refusal ??= `${file} exists: restore into an empty directory`;
  for (const file of disks.flatMap((d) => d.from)) if (!existsSync(file)) refusal ??= `${file} is missing`;
  const xml = chain.at(-1)?.domainXml ?? chain[0]?.domainXml ?? null;
  return restoreBackupPlan(host, {
    domain: manifest?.domain ?? basename(dir),
    dir,
    to,
    backups: chain.map((b) => b.id),
    disks,
    domainXmlFrom: xml ? join(dir, xml) : null,
    domainXmlTo: xml ? join(to, 'domain.xml') : null,
    refusal,
  });
}

/** The domain XML with each restored disk's source on its new top, and no backing store (qemu-img's chain says it). */
export function restoredDomainXml(xml: string, tops: ReadonlyMap<string, { file: string; format: string }>): string {
  const doc = parseXml(xml);
  const devices = child(doc.root, 'devices');
  for (const disk of devices ? children(devices, 'disk') : []) {
    const target = child(disk, 'target');
    const top = target ? tops.get(attr(target, 'dev') ?? '') : undefined;
    const source = child(disk, 'source');
    if (top === undefined || !source) continue;
    setAttr(source, 'file', top.file);
    const driver = child(disk, 'driver');
    if (driver) setAttr(driver, 'type', top.format);
  }
  return serializeXml(doc);
}

export function restoreBackupPlan(host: Host, params: RestoreBackupParams): FlowPlan<RestoreBackupContext> {
  const steps: StepDefinition<RestoreBackupContext>[] = params.disks.map((disk) => ({
    id: `chain:${disk.target}`,
    title: `${disk.target}: copy ${disk.from.length} backup file(s) and rebase each incremental onto the one before it`,
    commands: [
      ...disk.from.map((f, i) => ({ program: 'cp', args: [f, disk.to[i]!], mutates: true })),
      ...disk.to.slice(1).map((f, i) => ({ program: 'qemu-img', args: ['rebase', '-u', '-F', disk.formats[i]!, '-b', basename(disk.to[i]!), f], mutates: true })),
    ],
    creates: disk.to,
    run: async () => {
      mkdirSync(params.to, { recursive: true });
      disk.from.forEach((f, i) => copyFileSync(f, disk.to[i]!));
      // Relative backing names: the restored directory can move as a whole.
      for (let i = 1; i < disk.to.length; i++) {
        await runQemuImg(['rebase', '-u', '-F', disk.formats[i - 1]!, '-b', basename(disk.to[i - 1]!), disk.to[i]!], { timeoutMs: 60_000 });
      }
      await runQemuImg(['check', disk.to.at(-1)!], { timeoutMs: copyTimeoutMs(disk.virtualSize) });
    },
    check: async () => {
      const top = disk.to.at(-1);
      if (!top || !existsSync(top)) return `${top ?? disk.target} is missing`;
      const chain = JSON.parse(await runQemuImg(['info', '--backing-chain', '--output=json', top], { timeoutMs: 30_000 })) as { filename: string }[];
      const names = chain.map((c) => basename(c.filename)).reverse();
      const expected = disk.to.map((f) => basename(f));
      return names.join('\n') === expected.join('\n') ? null : `the chain is ${names.join(' <- ')}, not ${expected.join(' <- ')}`;
    },
    undo: {
      title: `remove the restored files of ${disk.target}`,
      commands: [{ program: 'rm', args: ['-f', ...disk.to], mutates: true }],
      run: async () => {
        for (const f of disk.to) rmSync(f, { force: true });
      },
    },
  }));
  if (params.domainXmlFrom && params.domainXmlTo) {
    const from = params.domainXmlFrom;
    const to = params.domainXmlTo;
    steps.push({
      id: 'domain-xml',
      title: `write the domain definition with each disk on its restored chain to ${to}`,
      creates: [to],
      run: async () => {
        const tops = new Map(params.disks.map((d) => [d.target, { file: d.to.at(-1)!, format: d.formats.at(-1)! }]));
        writeFileSync(to, restoredDomainXml(readFileSync(from, 'utf8'), tops));
      },
      check: async () => (existsSync(to) ? null : `${to} is missing`),
      undo: { title: `remove ${to}`, run: async () => rmSync(to, { force: true }) },
    });
  }
  return {
    kind: 'restore-backup',
    title: `Restore ${params.domain}'s backup ${params.backups.at(-1) ?? ''} from ${params.dir} into ${params.to}`,
    uri: host.uri,
    domain: params.domain,
    params,
    machine: new StepMachine<RestoreBackupContext>('restore-backup', steps),
    context: { host },
    ...planDefaults(),
    consequences: [
      `${params.to} holds, per disk, the chain ${params.backups.join(' <- ') || '(none)'}; the newest file is the disk image to use`,
      'the backup directory and the domain are not changed',
      ...(params.domainXmlTo ? [`${params.domainXmlTo}: the definition with the restored disks (\`virsh define\` it under a new name or after undefining the old domain)`] : []),
    ],
    downtime: 'none: nothing runs on the host',
    warnings: [],
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
  };
}
