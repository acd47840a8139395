#!/usr/bin/env node
// Generates fixtures/demo-host.xml: a libvirt test-driver host (virsh -c test:///ABS/PATH/demo-host.xml)
// with a handful of realistic domains and snapshot trees, for `virtsnap --demo`, screenshots and
// integration tests that need a rich but deterministic host without QEMU.
//
//   node scripts/gen-demo-host.mjs            writes fixtures/demo-host.xml
//   node scripts/gen-demo-host.mjs --stdout   prints it instead
//
// Rules of the test driver (libvirt 9.0) this file has to follow, or virsh fails or warns:
// * snapshots are inline <test:domainsnapshot> elements (the file='' form crashes virsh 9.0);
// * every snapshot has <active>0|1</active>; at most one is 1, and that one is current;
// * a parent must come before its children;
// * every snapshot embeds the <domain> as it was, with the domain's own <uuid>: without the
//   domain libvirt warns "parsing older snapshot that lacks domain" and revert needs --force,
//   and without the uuid the domain gets lost after snapshot-revert.
// Nothing here touches real files: the test driver keeps everything in memory, per virsh process.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(new URL('../fixtures/demo-host.xml', import.meta.url));
const IMG = '/var/lib/libvirt/images';
const MEM = '/var/lib/libvirt/qemu/snapshot-memory';

const esc = (s) =>
  String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/** Seconds since the epoch for a UTC date-time like '2026-05-03 09:14'. */
const at = (s) => Date.parse(`${s.replace(' ', 'T')}:00Z`) / 1000;

const RUNSTATE = { running: 1, paused: 3, 'shut off': 5 };

// ------------------------------------------------------------------------------------- XML
/**
 * The <backingStore> chain below a disk's source, as libvirt writes it for a running domain
 * (files top first, the last one a base image): what the disks view and the merge wizards show.
 */
function backingXml(files, pad) {
  if (!files || files.length === 0) return '';
  const [file, ...below] = files;
  const inner = below.length ? backingXml(below, `${pad}  `) : `${pad}  <backingStore/>\n`;
  return `${pad}<backingStore type='file'>
${pad}  <format type='qcow2'/>
${pad}  <source file='${esc(file)}'/>
${inner}${pad}</backingStore>
`;
}

function domainXml(d, indent) {
  const pad = ' '.repeat(indent);
  const disks = d.disks
    .map(
      (k) => `${pad}    <disk type='file' device='disk'>
${pad}      <driver name='qemu' type='qcow2'/>
${pad}      <source file='${esc(k.file)}'/>
${backingXml(k.backing, `${pad}      `)}${pad}      <target dev='${k.dev}' bus='${k.bus ?? 'virtio'}'/>
${pad}    </disk>`,
    )
    .join('\n');
  return `${pad}<domain type='test'${indent === 2 ? " xmlns:test='http://libvirt.org/schemas/domain/test/1.0'" : ''}>
${pad}  <name>${esc(d.name)}</name>
${pad}  <uuid>${d.uuid}</uuid>
${d.title ? `${pad}  <title>${esc(d.title)}</title>\n` : ''}${d.description ? `${pad}  <description>${esc(d.description)}</description>\n` : ''}${pad}  <memory unit='MiB'>${d.memoryMiB}</memory>
${pad}  <vcpu>${d.vcpus}</vcpu>
${pad}  <os><type arch='x86_64'>hvm</type></os>
${pad}  <devices>
${disks}
${pad}  </devices>`;
}

function snapshotXml(dom, s) {
  const pad = '      ';
  let memory;
  if (s.memoryFile) memory = `<memory snapshot='external' file='${esc(s.memoryFile)}'/>`;
  else if (s.state === 'running' || s.state === 'paused') memory = "<memory snapshot='internal'/>";
  else memory = "<memory snapshot='no'/>";
  const disks = s.domain.disks
    .map((k) => {
      const overlay = s.external?.[k.dev];
      if (!overlay) return `${pad}  <disk name='${k.dev}' snapshot='internal'/>`;
      return `${pad}  <disk name='${k.dev}' snapshot='external' type='file'><driver type='qcow2'/><source file='${esc(overlay)}'/></disk>`;
    })
    .join('\n');
  return `    <test:domainsnapshot>
${pad}<name>${esc(s.name)}</name>
${s.description ? `${pad}<description>${esc(s.description)}</description>\n` : ''}${pad}<state>${s.state}</state>
${s.parent ? `${pad}<parent><name>${esc(s.parent)}</name></parent>\n` : ''}${pad}<creationTime>${s.time}</creationTime>
${pad}${memory}
${pad}<disks>
${disks}
${pad}</disks>
${domainXml({ ...s.domain, uuid: dom.uuid, name: dom.name }, 6)}
${pad}</domain>
${pad}<active>${s.name === dom.current ? 1 : 0}</active>
    </test:domainsnapshot>`;
}

function hostXml(domains) {
  const parts = domains.map((d) => {
    const seen = new Set();
    for (const s of d.snapshots) {
      if (s.parent && !seen.has(s.parent)) throw new Error(`${d.name}/${s.name}: parent ${s.parent} not defined before it`);
      if (seen.has(s.name)) throw new Error(`${d.name}: duplicate snapshot ${s.name}`);
      seen.add(s.name);
    }
    if (d.current && !seen.has(d.current)) throw new Error(`${d.name}: current ${d.current} does not exist`);
    return `${domainXml(d, 2)}
    <test:runstate>${RUNSTATE[d.state]}</test:runstate>
${d.snapshots.map((s) => snapshotXml(d, s)).join('\n')}${d.snapshots.length ? '\n' : ''}  </domain>`;
  });
  return `<?xml version='1.0' encoding='UTF-8'?>
<!-- Generated by scripts/gen-demo-host.mjs; edit that, then run: node scripts/gen-demo-host.mjs
     Use as: virsh -c test:///ABSOLUTE/PATH/fixtures/demo-host.xml -->
<node>
${parts.join('\n')}
</node>
`;
}

// ------------------------------------------------------------------------------------- hosts
const disk = (dev, file, bus, backing) => ({ dev, file, bus, backing });

// web-01: a web server with a system and a data disk; an upgrade branch, an abandoned PHP
// experiment and external disk-only snapshots. Its current state runs on the tls-renewal overlays.
const web01Base = {
  memoryMiB: 2048,
  vcpus: 2,
  title: 'Public web server (nginx)',
  disks: [disk('vda', `${IMG}/web-01.qcow2`), disk('vdb', `${IMG}/web-01-data.qcow2`)],
};
const web01 = {
  name: 'web-01',
  uuid: '3f6e1c2a-8b4d-4e0f-9a71-0c5d2e8b9a01',
  state: 'running',
  ...web01Base,
  // the overlays tls-renewal created, on the images they were taken from
  disks: [
    disk('vda', `${IMG}/web-01.tls-renewal.qcow2`, undefined, [`${IMG}/web-01.qcow2`]),
    disk('vdb', `${IMG}/web-01-data.tls-renewal.qcow2`, undefined, [`${IMG}/web-01-data.qcow2`]),
  ],
  current: 'tls-renewal',
  snapshots: [
    {
      name: 'fresh-install',
      description: 'Debian 12 netinst, nothing else',
      state: 'shutoff',
      time: at('2026-05-03 09:14'),
      // before the data disk was added and the RAM doubled
      domain: { ...web01Base, memoryMiB: 1024, disks: [disk('vda', `${IMG}/web-01.qcow2`)] },
    },
    {
      name: 'nginx configured',
      description: 'nginx + certbot, vhosts for www and shop',
      state: 'running',
      parent: 'fresh-install',
      time: at('2026-05-10 16:42'),
      domain: web01Base,
    },
    {
      name: 'before upgrade',
      description: 'before apt full-upgrade to Debian 12.11',
      state: 'running',
      parent: 'nginx configured',
      time: at('2026-06-14 07:58'),
      domain: web01Base,
    },
    {
      name: 'after upgrade',
      description: 'upgrade done, services checked',
      state: 'running',
      parent: 'before upgrade',
      time: at('2026-06-14 08:31'),
      domain: web01Base,
    },
    {
      name: 'php 8.3 experiment',
      description: 'sury.org PHP 8.3 packages; abandoned, shop plugin incompatible',
      state: 'running',
      parent: 'before upgrade',
      time: at('2026-07-02 13:05'),
      domain: web01Base,
    },
    {
      name: 'php rollback point',
      state: 'disk-snapshot',
      parent: 'php 8.3 experiment',
      time: at('2026-07-02 15:47'),
      external: { vda: `${IMG}/web-01.php-rollback.qcow2`, vdb: `${IMG}/web-01-data.php-rollback.qcow2` },
      domain: web01Base,
    },
    {
      name: 'tls-renewal',
      description: 'before switching to ECDSA certificates',
      state: 'disk-snapshot',
      parent: 'after upgrade',
      time: at('2026-08-01 22:10'),
      external: { vda: `${IMG}/web-01.tls-renewal.qcow2`, vdb: `${IMG}/web-01-data.tls-renewal.qcow2` },
      domain: web01Base,
    },
  ],
};

// db-primary: a database server; an external memory+disk snapshot, unicode and markup names.
// Since the external snapshot it runs on the overlays that snapshot created.
function dbOverlayDisks() {
  return [disk('vda', `${IMG}/db-primary.pg16-post.qcow2`), disk('vdb', `${IMG}/db-primary-pgdata.pg16-post.qcow2`)];
}
const dbBase = {
  memoryMiB: 8192,
  vcpus: 4,
  title: 'PostgreSQL primary',
  description: 'Replicates to db-replica (not on this host). Snapshot only with the app in maintenance mode!',
  disks: [disk('vda', `${IMG}/db-primary.qcow2`), disk('vdb', `${IMG}/db-primary-pgdata.qcow2`)],
};
const dbPrimary = {
  name: 'db-primary',
  uuid: '9b2d7e44-1c3a-4f5b-8e6d-2a7c9f0b1d02',
  state: 'running',
  ...dbBase,
  disks: [
    disk('vda', `${IMG}/db-primary.pg16-post.qcow2`, undefined, [`${IMG}/db-primary.qcow2`]),
    disk('vdb', `${IMG}/db-primary-pgdata.pg16-post.qcow2`, undefined, [`${IMG}/db-primary-pgdata.qcow2`]),
  ],
  current: 'nach Änderung ü',
  snapshots: [
    {
      name: 'pg15 baseline',
      description: 'PostgreSQL 15.6, empty cluster',
      state: 'shutoff',
      time: at('2026-05-20 11:00'),
      domain: dbBase,
    },
    {
      name: 'pg16-pre-migration',
      description: 'pg_dumpall taken, replication paused',
      state: 'running',
      parent: 'pg15 baseline',
      time: at('2026-07-19 01:30'),
      domain: dbBase,
    },
    {
      name: 'pg16-post-migration',
      description: 'pg_upgrade --link done; memory state saved for a quick rollback',
      state: 'running',
      parent: 'pg16-pre-migration',
      time: at('2026-07-19 03:12'),
      memoryFile: `${MEM}/db-primary.pg16-post-migration.mem`,
      external: { vda: `${IMG}/db-primary.pg16-post.qcow2`, vdb: `${IMG}/db-primary-pgdata.pg16-post.qcow2` },
      domain: dbBase,
    },
    {
      name: 'nach Änderung ü',
      description: 'Nach der Schemaänderung für Kundennummern (Ticket #4711)',
      state: 'running',
      parent: 'pg16-post-migration',
      time: at('2026-09-08 18:45'),
      domain: { ...dbBase, disks: dbOverlayDisks() },
    },
    {
      name: 'x<&>y',
      description: 'test of "quotes" & <markup> in names; safe to delete',
      state: 'running',
      parent: 'pg16-post-migration',
      time: at('2026-09-09 10:02'),
      domain: { ...dbBase, disks: dbOverlayDisks() },
    },
  ],
};

// win11-lab: paused; Cyrillic names, two roots (the VM was imported with history).
const winBase = {
  memoryMiB: 4096,
  vcpus: 2,
  title: 'Windows 11 test lab',
  disks: [disk('sda', `${IMG}/win11-lab.qcow2`, 'sata')],
};
const win11 = {
  name: 'win11-lab',
  uuid: 'c41a0e9f-5d6b-4a2c-b3e8-7f1d0a2c3e03',
  state: 'paused',
  ...winBase,
  current: '24H2 update',
  snapshots: [
    {
      name: 'imported from vSphere',
      description: 'OVA import, VMware tools removed',
      state: 'shutoff',
      time: at('2026-04-28 14:20'),
      domain: winBase,
    },
    {
      name: 'снимок-1',
      description: 'чистая установка',
      state: 'shutoff',
      time: at('2026-06-02 10:00'),
      domain: winBase,
    },
    {
      name: 'drivers installed',
      description: 'virtio-win 0.1.262',
      state: 'paused',
      parent: 'снимок-1',
      time: at('2026-06-02 11:37'),
      domain: winBase,
    },
    {
      name: 'before upgrade',
      description: 'before the 24H2 feature update',
      state: 'running',
      parent: 'drivers installed',
      time: at('2026-10-05 19:03'),
      domain: winBase,
    },
    {
      name: '24H2 update',
      state: 'paused',
      parent: 'before upgrade',
      time: at('2026-10-06 08:15'),
      domain: winBase,
    },
    {
      name: 'снимок-2 (до политики)',
      description: 'перед применением групповой политики',
      state: 'running',
      parent: 'drivers installed',
      time: at('2026-07-14 16:40'),
      domain: winBase,
    },
  ],
};

// build-runner: shut off; 30 nightly snapshots in one chain and a toolchain branch.
const buildBase = {
  memoryMiB: 4096,
  vcpus: 4,
  title: 'CI build runner',
  disks: [disk('vda', `${IMG}/build-runner.qcow2`), disk('vdb', `${IMG}/build-runner-cache.qcow2`)],
};
const nightlies = [];
for (let day = 1; day <= 30; day += 1) {
  const date = `2026-10-${String(day).padStart(2, '0')}`;
  nightlies.push({
    name: `nightly-${date}`,
    description: day % 7 === 0 ? 'weekly: ccache and docker layer cache pruned' : undefined,
    state: 'shutoff',
    parent: day === 1 ? 'golden image' : `nightly-2026-10-${String(day - 1).padStart(2, '0')}`,
    time: at(`${date} 02:00`),
    domain: buildBase,
  });
}
const buildRunner = {
  name: 'build-runner',
  uuid: '5e8f2b10-7a4c-4d9e-a1b3-6c0e9d8f7a04',
  state: 'shut off',
  ...buildBase,
  current: 'nightly-2026-10-30',
  snapshots: [
    {
      name: 'golden image',
      description: 'Ubuntu 24.04 + build-essential, docker, runner agent 2.319',
      state: 'shutoff',
      time: at('2026-09-28 12:00'),
      domain: buildBase,
    },
    ...nightlies.slice(0, 12),
    {
      name: 'toolchain gcc-14',
      description: 'try gcc-14 as the default compiler',
      state: 'shutoff',
      parent: 'nightly-2026-10-12',
      time: at('2026-10-12 15:30'),
      domain: buildBase,
    },
    {
      name: 'toolchain gcc-14 + lto',
      state: 'shutoff',
      parent: 'toolchain gcc-14',
      time: at('2026-10-13 09:10'),
      domain: buildBase,
    },
    ...nightlies.slice(12),
  ],
};

// dev-sandbox: shut off; snapshots but none of them current (e.g. the current one was deleted).
const devBase = {
  memoryMiB: 1024,
  vcpus: 1,
  disks: [disk('vda', `${IMG}/dev-sandbox.qcow2`)],
};
const devSandbox = {
  name: 'dev-sandbox',
  uuid: 'a7d3c9e1-2f4b-4c8a-9d0e-1b2c3d4e5f05',
  state: 'shut off',
  ...devBase,
  current: null,
  snapshots: [
    { name: 'clean', state: 'shutoff', time: at('2026-08-20 09:00'), domain: devBase },
    {
      name: 'with node 22',
      description: 'nvm, node 22, pnpm',
      state: 'shutoff',
      parent: 'clean',
      time: at('2026-08-20 09:40'),
      domain: devBase,
    },
    { name: 'with rust', state: 'shutoff', parent: 'clean', time: at('2026-08-27 17:25'), domain: devBase },
  ],
};

// mail-relay: running, no snapshots at all.
const mailRelay = {
  name: 'mail-relay',
  uuid: 'e2b4f6a8-9c1d-4e3f-8a5b-7c9d1e3f5a06',
  state: 'running',
  memoryMiB: 512,
  vcpus: 1,
  title: 'Postfix smarthost',
  disks: [disk('vda', `${IMG}/mail-relay.qcow2`)],
  current: null,
  snapshots: [],
};

const xml = hostXml([web01, dbPrimary, win11, buildRunner, devSandbox, mailRelay]);
if (process.argv.includes('--stdout')) process.stdout.write(xml);
else writeFileSync(OUT, xml);
