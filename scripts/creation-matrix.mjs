#!/usr/bin/env node
// scripts/creation-matrix.mjs - what libvirt actually does for every snapshot-creation request.
//
//   node scripts/creation-matrix.mjs [--out fixtures/creation-matrix-libvirt-9.0.json] [--only REGEX]
//
// Starts a private lab (scripts/lab), walks the matrix of domain state x <memory snapshot=…> x
// <disk snapshot=…> x --disk-only (plus per-disk mixes and the creation flags), submits each case
// as a hand-written <domainsnapshot> with `virsh snapshot-create DOM FILE [flags]`, and records
// what libvirt answered and what it really did: the snapshot's XML, the domain state afterwards,
// the files that appeared, the qcow2 tags and the active disk chain, from which the method
// (qemu-img, savevm, transaction, migrate…) follows. The result is the ground truth the snapshot
// planner is checked against (test/integration/create-matrix.test.ts).
//
// Paths in the output are relative to the lab's image dir, with the domain name as @DOM@, so the
// file does not depend on the lab instance that produced it. Needs root (the lab does).

import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LAB = join(ROOT, 'scripts', 'lab');

const args = process.argv.slice(2);
const argValue = (flag, dflt) => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const OUT = resolve(ROOT, argValue('--out', 'fixtures/creation-matrix-libvirt-9.0.json'));
const ONLY = args.includes('--only') ? new RegExp(argValue('--only', '.')) : null;

// ---------------------------------------------------------------------------- the cases

const STATES = ['running', 'paused', 'shutoff'];
const MEMORY = ['omit', 'no', 'internal', 'external'];
const DISK = ['omit', 'no', 'internal', 'external', 'manual'];

function caseId(c) {
  const disks = c.disks.vda === c.disks.vdb ? `disk=${c.disks.vda}` : `vda=${c.disks.vda},vdb=${c.disks.vdb}`;
  return [c.domainState, `mem=${c.memory}`, disks, c.diskOnly ? 'disk-only' : null].filter(Boolean).join('/');
}

function baseCase(domainState, memory, vda, vdb, diskOnly, extra = {}) {
  return {
    domainState,
    variant: 'qcow2',
    memory,
    disks: { vda, vdb },
    diskOnly,
    flags: [],
    name: 'auto',
    explicitFiles: { memory: true, disks: true },
    setup: {},
    ...extra,
  };
}

function buildCases() {
  const cases = [];
  for (const s of STATES)
    for (const m of MEMORY)
      for (const d of DISK)
        for (const only of [false, true]) cases.push({ ...baseCase(s, m, d, d, only), group: 'matrix' });

  const mixes = [
    ['external', 'no'],
    ['internal', 'no'],
    ['external', 'internal'],
    ['manual', 'no'],
    ['no', 'external'],
    ['external', 'omit'],
    ['internal', 'omit'],
  ];
  for (const s of STATES)
    for (const [vda, vdb] of mixes)
      for (const [m, only] of [['omit', false], ['omit', true], ['no', false], ['external', false]]) {
        if (s === 'shutoff' && m === 'external') continue; // offline memory is refused in every form
        cases.push({ ...baseCase(s, m, vda, vdb, only), group: 'mix' });
      }
  for (const c of cases) c.id = caseId(c);

  const flag = (id, c) => cases.push({ ...c, id: `flag/${id}`, group: 'flags' });
  const run = (m, vda, vdb, only, extra) => baseCase('running', m, vda, vdb, only, extra);
  const off = (m, vda, vdb, only, extra) => baseCase('shutoff', m, vda, vdb, only, extra);
  flag('live/mem=external,disks=external', run('external', 'external', 'external', false, { flags: ['--live'] }));
  flag('live/mem=external,disks=no', run('external', 'no', 'no', false, { flags: ['--live'] }));
  flag('live/mem=omit', run('omit', 'omit', 'omit', false, { flags: ['--live'] }));
  flag('live/mem=internal', run('internal', 'omit', 'omit', false, { flags: ['--live'] }));
  flag('live/disk-only', run('omit', 'external', 'external', true, { flags: ['--live'] }));
  flag('live/shutoff', off('omit', 'omit', 'omit', false, { flags: ['--live'] }));
  flag('quiesce/disk-only,no-agent', run('omit', 'external', 'external', true, { flags: ['--quiesce'] }));
  flag('quiesce/without-disk-only', run('omit', 'omit', 'omit', false, { flags: ['--quiesce'] }));
  flag('atomic/disk-only', run('omit', 'external', 'external', true, { flags: ['--atomic'] }));
  flag('atomic/internal', run('omit', 'omit', 'omit', false, { flags: ['--atomic'] }));
  flag('atomic/mem=external', run('external', 'external', 'external', false, { flags: ['--atomic'] }));
  flag('atomic/shutoff,disk-only', off('omit', 'external', 'external', true, { flags: ['--atomic'] }));
  flag('halt/internal', run('omit', 'omit', 'omit', false, { flags: ['--halt'] }));
  flag('halt/disk-only', run('omit', 'external', 'external', true, { flags: ['--halt'] }));
  flag('halt/mem=external', run('external', 'external', 'external', false, { flags: ['--halt'] }));
  flag('halt/shutoff', off('omit', 'omit', 'omit', false, { flags: ['--halt'] }));
  flag('halt/paused', baseCase('paused', 'omit', 'omit', 'omit', false, { flags: ['--halt'] }));
  flag('reuse-external/overlay-exists', run('omit', 'external', 'no', true, { flags: ['--reuse-external'], setup: { existingOverlay: 'vda' } }));
  flag('reuse-external/overlay-missing', run('omit', 'external', 'no', true, { flags: ['--reuse-external'] }));
  flag('reuse-external/shutoff,overlay-exists', off('omit', 'external', 'no', true, { flags: ['--reuse-external'], setup: { existingOverlay: 'vda' } }));
  flag('reuse-external/no-file', run('omit', 'external', 'no', true, { flags: ['--reuse-external'], explicitFiles: { memory: true, disks: false } }));
  flag('overlay-exists/without-reuse', run('omit', 'external', 'no', true, { setup: { existingOverlay: 'vda' } }));
  flag('no-metadata/internal', run('omit', 'omit', 'omit', false, { flags: ['--no-metadata'] }));
  flag('no-metadata/disk-only', run('omit', 'external', 'external', true, { flags: ['--no-metadata'] }));
  flag('no-metadata/shutoff', off('omit', 'omit', 'omit', false, { flags: ['--no-metadata'] }));
  flag('default-file/disk-only', run('omit', 'external', 'external', true, { explicitFiles: { memory: true, disks: false } }));
  flag('default-file/disk-only,omit', run('omit', 'omit', 'omit', true, { explicitFiles: { memory: true, disks: false } }));
  flag('default-file/shutoff,disk-only', off('omit', 'external', 'external', true, { explicitFiles: { memory: true, disks: false } }));
  flag('default-file/mem=external', run('external', 'external', 'external', false, { explicitFiles: { memory: true, disks: false } }));
  flag('default-file/memory', run('external', 'external', 'external', false, { explicitFiles: { memory: false, disks: true } }));
  flag('default-file/memory,disks=no', run('external', 'no', 'no', false, { explicitFiles: { memory: false, disks: true } }));
  flag('raw-vdb/running,internal', run('omit', 'omit', 'omit', false, { variant: 'raw-vdb' }));
  flag('raw-vdb/running,internal,vdb=no', run('omit', 'internal', 'no', false, { variant: 'raw-vdb' }));
  flag('raw-vdb/running,disk-only', run('omit', 'omit', 'omit', true, { variant: 'raw-vdb' }));
  flag('raw-vdb/running,mem=external', run('external', 'external', 'external', false, { variant: 'raw-vdb' }));
  flag('raw-vdb/shutoff,internal', off('omit', 'omit', 'omit', false, { variant: 'raw-vdb' }));
  flag('raw-vdb/shutoff,internal,vdb=no', off('omit', 'internal', 'no', false, { variant: 'raw-vdb' }));
  flag('raw-vdb/shutoff,disk-only', off('omit', 'omit', 'omit', true, { variant: 'raw-vdb' }));
  flag('memory-twice/paused', baseCase('paused', 'external', 'no', 'no', false, { setup: { previousMemorySnapshot: true } }));
  flag('memory-twice/running', baseCase('running', 'external', 'no', 'no', false, { setup: { previousMemorySnapshot: true } }));
  flag('memory-twice/paused,disks=external', baseCase('paused', 'external', 'external', 'external', false, { setup: { previousMemorySnapshot: true } }));
  flag('name/slash', run('omit', 'omit', 'omit', false, { name: 'a/b' }));
  flag('name/existing', run('omit', 'omit', 'omit', false, { name: 'taken', setup: { existingSnapshot: 'taken' } }));
  flag('name/existing,shutoff', off('omit', 'omit', 'omit', false, { name: 'taken', setup: { existingSnapshot: 'taken' } }));
  flag('name/none', run('omit', 'omit', 'omit', false, { name: null }));
  flag('name/odd', run('omit', 'omit', 'omit', false, { name: 'a b <&> ü' }));
  return cases;
}

// ---------------------------------------------------------------------------- submission

const xmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');

/** Paths the case gives libvirt explicitly (lab image dir). */
function filesFor(c, dom, img, snap) {
  const tag = snap.replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    memory: join(img, `${dom}.${tag}.mem`),
    vda: join(img, `${dom}.${tag}.vda.qcow2`),
    vdb: join(img, `${dom}.${tag}.vdb.qcow2`),
  };
}

function snapshotXml(c, name, files) {
  const lines = ['<domainsnapshot>'];
  if (name !== null) lines.push(`  <name>${xmlEscape(name)}</name>`);
  if (c.memory !== 'omit') {
    const file = c.memory === 'external' && c.explicitFiles.memory ? ` file='${xmlEscape(files.memory)}'` : '';
    lines.push(`  <memory snapshot='${c.memory}'${file}/>`);
  }
  const named = ['vda', 'vdb'].filter((t) => c.disks[t] !== 'omit');
  if (named.length > 0) {
    lines.push('  <disks>');
    for (const t of named) {
      const mode = c.disks[t];
      if (mode === 'external' && c.explicitFiles.disks) {
        lines.push(`    <disk name='${t}' snapshot='external'>`, `      <source file='${xmlEscape(files[t])}'/>`, '    </disk>');
      } else lines.push(`    <disk name='${t}' snapshot='${mode}'/>`);
    }
    lines.push('  </disks>');
  }
  lines.push('</domainsnapshot>');
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------- lab access

let uri = '';
let labDir = '';
let img = '';

async function virsh(...argv) {
  const r = await execa('virsh', ['-c', uri, ...argv], { reject: false, stdin: 'ignore', timeout: 120_000, env: { LC_ALL: 'C.UTF-8' } });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}
async function virshOk(...argv) {
  const r = await virsh(...argv);
  if (r.exitCode !== 0) throw new Error(`virsh ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
async function run(cmd, argv) {
  const r = await execa(cmd, argv, { reject: false, stdin: 'ignore', timeout: 120_000 });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function domState(dom) {
  return (await virshOk('domstate', dom, '--reason')).trim();
}
async function blkList(dom) {
  const out = await virshOk('-q', 'domblklist', dom);
  const map = {};
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+(.*\S)\s*$/.exec(line);
    if (m) map[m[1]] = m[2];
  }
  return map;
}
async function tags(path) {
  if (!existsSync(path)) return [];
  const out = await run('qemu-img', ['info', '-U', '--output=json', path]);
  const info = JSON.parse(out);
  return (info.snapshots ?? []).map((s) => ({ name: s.name, vmStateSize: s['vm-state-size'] }));
}
function imgFiles() {
  return new Set(readdirSync(img));
}

// ---------------------------------------------------------------------------- domains

let counter = 0;
/** Clean domains ready for a case, by variant and state. */
const pool = new Map();

async function makeDomain(variant, state) {
  const name = `${variant === 'raw-vdb' ? 'r' : 'd'}${++counter}`;
  const wantRunning = state !== 'shutoff';
  if (variant === 'raw-vdb') {
    await run(LAB, ['domain', labDir, name, '--no-start']);
    const raw = join(img, `${name}-vdb.raw`);
    await run('qemu-img', ['create', '-q', '-f', 'raw', raw, '64M']);
    let xml = await virshOk('dumpxml', '--inactive', name);
    xml = xml.replace(
      /<driver name='qemu' type='qcow2'\/>(\s*)<source file='[^']*-vdb\.qcow2'\/>/,
      `<driver name='qemu' type='raw'/>$1<source file='${raw}'/>`,
    );
    const file = join(labDir, `${name}.xml`);
    writeFileSync(file, xml);
    await virshOk('define', file);
    rmSync(join(img, `${name}-vdb.qcow2`), { force: true });
    if (wantRunning) await virshOk('start', name);
  } else {
    await run(LAB, wantRunning ? ['domain', labDir, name] : ['domain', labDir, name, '--no-start']);
  }
  if (state === 'paused') await virshOk('suspend', name);
  const sources = await blkList(name);
  return { name, variant, state, sources };
}

async function takeDomain(variant, state) {
  const key = `${variant}/${state}`;
  const d = pool.get(key);
  if (d) {
    pool.delete(key);
    return d;
  }
  return makeDomain(variant, state);
}

async function discardDomain(dom) {
  await virsh('destroy', dom.name);
  await virsh('undefine', dom.name, '--snapshots-metadata');
  for (const f of readdirSync(img)) if (f.startsWith(`${dom.name}-`) || f.startsWith(`${dom.name}.`)) rmSync(join(img, f), { force: true });
}

const STATE_WORD = { running: 'running', paused: 'paused', shutoff: 'shut off' };

/** Puts the domain back in the pool when the case left nothing behind, else throws it away. */
// A domain whose memory was migrated to a file is not clean either: QEMU refuses a second
// migration of a paused guest ("Can't migrate the vm that was paused due to previous migration").
async function recycle(dom, snapNames, memoryWritten) {
  const now = await blkListInactive(dom.name).catch(() => null);
  if (memoryWritten || !now || JSON.stringify(now) !== JSON.stringify(dom.sources)) return discardDomain(dom);
  for (const s of snapNames) {
    if ((await virsh('snapshot-delete', dom.name, s)).exitCode !== 0) await virsh('snapshot-delete', dom.name, s, '--metadata');
  }
  const left = (await virsh('snapshot-list', dom.name, '--name')).stdout.trim();
  let clean = left === '' && JSON.stringify(await blkList(dom.name)) === JSON.stringify(dom.sources);
  for (const p of Object.values(dom.sources)) if ((await tags(p)).length > 0) clean = false;
  let st = clean ? (await domState(dom.name)).split(' (')[0] : '';
  if (clean && st !== STATE_WORD[dom.state]) {
    if (dom.state === 'running' && st === 'paused') await virshOk('resume', dom.name);
    else if (dom.state === 'paused' && st === 'running') await virshOk('suspend', dom.name);
    else clean = false;
  }
  if (clean) pool.set(`${dom.variant}/${dom.state}`, dom);
  else await discardDomain(dom);
}

// ---------------------------------------------------------------------------- one case

/** A path relative to the image dir, with the domain as @DOM@ and a generated snapshot name as @SNAP@. */
function rel(path, dom, snap) {
  if (path == null) return null;
  let p = path.startsWith(img + '/') ? path.slice(img.length + 1) : path;
  p = p.split(dom).join('@DOM@');
  return snap && /^c\d+$/.test(snap) ? p.split(`.${snap}`).join('.@SNAP@') : p;
}

/** libvirt's messages with the instance-specific parts as placeholders (quoted forms only). */
function normalise(text, dom, snap) {
  let out = text.split(`${img}/${dom}`).join('@IMG@/@DOM@').split(`${img}/`).join('@IMG@/').split(`'${dom}'`).join("'@DOM@'");
  if (snap && /^c\d+$/.test(snap)) out = out.split(`'${snap}'`).join("'@SNAP@'").split(`.${snap}`).join('.@SNAP@');
  return out;
}

function parseSnapshotXml(xml) {
  const head = xml.split(/<domain[\s>]/)[0];
  const attr = (el, a) => (new RegExp(`${a}='([^']*)'`).exec(el) ?? [])[1] ?? null;
  const memEl = /<memory\b[^>]*>/.exec(head)?.[0] ?? '';
  const disks = {};
  for (const m of head.matchAll(/<disk\b[^>]*?(\/>|>[\s\S]*?<\/disk>)/g)) {
    const el = m[0];
    const name = attr(el, 'name');
    const src = /<source\b[^>]*>/.exec(el)?.[0];
    disks[name] = { mode: attr(el, 'snapshot'), file: src ? attr(src, 'file') : null, driver: attr(/<driver\b[^>]*>/.exec(el)?.[0] ?? '', 'type') };
  }
  return {
    name: /<name>([^<]*)<\/name>/.exec(head)?.[1] ?? null,
    state: /<state>([^<]*)<\/state>/.exec(head)?.[1] ?? null,
    memory: { mode: attr(memEl, 'snapshot'), file: attr(memEl, 'file') },
    disks,
  };
}

function inferMethod(c, obs) {
  const online = c.domainState !== 'shutoff';
  const tagged = obs.tagDisks.length > 0;
  const overlays = obs.overlayDisks.length > 0;
  const memFile = obs.memoryFile;
  if (!online) return tagged || overlays ? 'qemu-img' : null;
  if (memFile && overlays) return 'migrate+transaction';
  if (memFile) return 'migrate';
  if (tagged) return 'savevm';
  if (overlays) return 'transaction';
  if (Object.values(obs.snapshotDisks).some((d) => d.mode === 'manual')) return 'manual';
  return null;
}

let snapCounter = 0;
async function runCase(c) {
  const t0 = performance.now();
  const dom = await takeDomain(c.variant, c.domainState);
  const snap = c.name === 'auto' ? `c${++snapCounter}` : c.name;
  const files = filesFor(c, dom.name, img, snap ?? 'noname');
  const createdSnaps = [];
  if (c.setup.existingSnapshot) {
    await virshOk('snapshot-create-as', dom.name, `--name=${c.setup.existingSnapshot}`);
    createdSnaps.push(c.setup.existingSnapshot);
  }
  if (c.setup.previousMemorySnapshot) {
    const mem = join(img, `${dom.name}.previous.mem`);
    await virshOk('snapshot-create-as', dom.name, '--name=previous', `--memspec=file=${mem},snapshot=external`, '--diskspec=vda,snapshot=no', '--diskspec=vdb,snapshot=no');
    createdSnaps.push('previous');
  }
  if (c.setup.existingOverlay) {
    const t = c.setup.existingOverlay;
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', dom.sources[t], files[t]]);
  }
  const xml = snapshotXml(c, snap, files);
  const xmlFile = join(labDir, 'xml', `${dom.name}.${snapCounter}.xml`);
  writeFileSync(xmlFile, xml);
  const before = imgFiles();
  const tagsBefore = {};
  for (const [t, p] of Object.entries(dom.sources)) tagsBefore[t] = (await tags(p)).map((x) => x.name);

  const argv = ['snapshot-create', dom.name, xmlFile, ...(c.diskOnly ? ['--disk-only'] : []), ...c.flags];
  const r = await virsh(...argv);
  const record = {
    id: c.id,
    group: c.group,
    domainState: c.domainState,
    variant: c.variant,
    memory: c.memory,
    disks: c.disks,
    diskOnly: c.diskOnly,
    flags: c.flags,
    // @SNAP@: a generated unique name; null: no <name> at all
    name: c.name === 'auto' ? '@SNAP@' : c.name,
    explicitFiles: c.explicitFiles,
    setup: c.setup,
    xml: (c.name === 'auto' ? xml.split(`>${snap}<`).join('>@SNAP@<').split(`.${snap}.`).join('.@SNAP@.') : xml)
      .split(img + '/')
      .join('@IMG@/')
      .split(dom.name)
      .join('@DOM@'),
    accepted: r.exitCode === 0,
    error: r.exitCode === 0 ? null : normalise(r.stderr.split('\n').filter((l) => l.startsWith('error: ')).map((l) => l.slice(7)).join('\n'), dom.name, snap),
    result: null,
    seconds: 0,
  };
  if (r.exitCode !== 0 && !record.error) record.error = normalise(r.stderr.trim(), dom.name, snap) || `exit ${r.exitCode}`;
  // libvirt may partly act even when it refuses; the files and tags tell
  const after = imgFiles();
  const newFiles = [...after].filter((f) => !before.has(f)).sort();
  if (r.exitCode === 0) {
    const m = /Domain snapshot (.*) created/.exec(r.stdout);
    const actualName = m ? m[1] : snap;
    const meta = c.flags.includes('--no-metadata') ? null : parseSnapshotXml(await virshOk('snapshot-dumpxml', dom.name, actualName));
    if (meta) createdSnaps.push(actualName);
    const stateAfter = await domState(dom.name);
    const active = stateAfter.startsWith('shut off') ? await blkListInactive(dom.name) : await blkList(dom.name);
    const tagDisks = [];
    const tagInfo = {};
    for (const [t, p] of Object.entries(dom.sources)) {
      const now = await tags(p);
      const added = now.filter((x) => !tagsBefore[t].includes(x.name));
      if (added.length > 0) tagDisks.push(t);
      tagInfo[t] = added;
    }
    const overlayDisks = Object.keys(dom.sources).filter((t) => active[t] !== dom.sources[t]);
    const memFile = newFiles.some((f) => f.endsWith('.mem')) || (meta?.memory.file ? existsSync(meta.memory.file) && newFiles.includes(meta.memory.file.slice(img.length + 1)) : false);
    const obs = { tagDisks, overlayDisks, memoryFile: memFile, snapshotDisks: meta?.disks ?? {} };
    record.result = {
      name: actualName === snap && c.name === 'auto' ? '@SNAP@' : actualName,
      memory: meta ? { mode: meta.memory.mode, file: rel(meta.memory.file, dom.name, snap) } : null,
      disks: meta
        ? Object.fromEntries(Object.entries(meta.disks).map(([t, d]) => [t, { mode: d.mode, file: rel(d.file, dom.name, snap), driver: d.driver }]))
        : null,
      state: meta?.state ?? null,
      domainStateAfter: stateAfter,
      files: newFiles.map((f) => rel(join(img, f), dom.name, snap)),
      fileSizes: Object.fromEntries(newFiles.map((f) => [rel(join(img, f), dom.name, snap), statSync(join(img, f)).size])),
      activeSources: Object.fromEntries(Object.entries(active).map(([t, p]) => [t, rel(p, dom.name, snap)])),
      internalTags: Object.fromEntries(Object.entries(tagInfo).map(([t, list]) => [t, list.map((x) => ({ vmStateSize: x.vmStateSize }))])),
      method: inferMethod(c, obs),
    };
    if (actualName !== snap || c.name !== 'auto') record.result.name = actualName.replace(/^\d{9,11}$/, '@EPOCH@');
  } else if (newFiles.length > 0) {
    record.leftBehind = newFiles.map((f) => rel(join(img, f), dom.name, snap));
  }
  await recycle(dom, createdSnaps, c.memory === 'external' || c.setup.previousMemorySnapshot === true);
  record.seconds = Math.round((performance.now() - t0) / 10) / 100;
  return record;
}

async function blkListInactive(dom) {
  const out = await virshOk('-q', 'domblklist', dom, '--inactive');
  const map = {};
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+(.*\S)\s*$/.exec(line);
    if (m) map[m[1]] = m[2];
  }
  return map;
}

// ---------------------------------------------------------------------------- main

async function main() {
  const cases = buildCases().filter((c) => !ONLY || ONLY.test(c.id));
  labDir = mkdtempSync('/tmp/vsl-cm');
  img = join(labDir, 'img');
  const t0 = performance.now();
  const out = await run(LAB, ['up', labDir, '--no-domain']);
  uri = out.trim().split('\n').at(-1);
  mkdirSync(join(labDir, 'xml'), { recursive: true });
  console.log((await virshOk('version')).trim());
  const records = [];
  const write = () =>
    writeFileSync(OUT, JSON.stringify(records, null, 2) + '\n');
  try {
    for (const c of cases) {
      let rec;
      try {
        rec = await runCase(c);
      } catch (err) {
        rec = { id: c.id, probeError: String(err?.message ?? err) };
        for (const [k, d] of pool) { pool.delete(k); await discardDomain(d); }
      }
      records.push(rec);
      const verdict = rec.probeError ? `PROBE ERROR ${rec.probeError}` : rec.accepted ? `ok ${rec.result.method ?? '-'} ${rec.result.domainStateAfter}` : `refused: ${rec.error}`;
      console.log(`${rec.id.padEnd(52)} ${verdict}`);
      if (records.length % 20 === 0) write();
    }
    write();
  } finally {
    await run(LAB, ['down', labDir, '--purge']).catch((e) => console.error(String(e)));
  }
  console.log(`${records.length} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${OUT}`);
}

await main();
