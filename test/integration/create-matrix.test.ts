// The snapshot planner against libvirt 9.0 itself, case by case over the creation matrix
// (domain state x <memory> x <disk> modes x --disk-only, per-disk mixes, the creation flags).
// Each case is submitted to a real libvirtd as hand-written XML; the planner must call it 'ok'
// exactly when libvirt accepts it, and for accepted cases predict the memory and disk modes
// libvirt records and the method it evidently used (qcow2 tags, overlays, memory file).
// The recorded ground truth (fixtures/creation-matrix-libvirt-9.0.json, from
// scripts/creation-matrix.mjs) is checked too, so a libvirt that behaves differently shows up.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planSnapshot } from '../../src/engine/create/planner.js';
import { createDryRun } from './creation-matrix/cli-dry-run.js';
import type { PlannerDomain, PlannerEnvironment } from '../../src/engine/create/types.js';
import { readDomainDisks } from '../../src/engine/xml/domain-xml.js';
import { DomainPool, qcow2Tags, virshOk, type MatrixDomain } from './creation-matrix/domains.js';
import { loadMatrix, type MatrixCase } from './creation-matrix/fixture.js';
import { imageFiles, observe, type Before, type Observation } from './creation-matrix/observe.js';
import { Semaphore } from './creation-matrix/semaphore.js';
import { caseFiles, createRequest, snapshotXml, virshOptions } from './creation-matrix/submission.js';
import { describeLab, startLab, type Lab } from './lab.js';

const environment: PlannerEnvironment = {
  fileExists: (path) => existsSync(path),
  now: () => Math.floor(Date.now() / 1000),
  fileSize: (path) => (existsSync(path) ? statSync(path).size : null),
};

/** libvirt's messages with the instance-specific parts written as in the fixture. */
function normalise(text: string, imgDir: string, domain: string, snapshot: string | null): string {
  let out = text
    .split(`${imgDir}/${domain}`)
    .join('@IMG@/@DOM@')
    .split(`${imgDir}/`)
    .join('@IMG@/')
    .split(`'${domain}'`)
    .join("'@DOM@'");
  if (snapshot) out = out.split(`'${snapshot}'`).join("'@SNAP@'").split(`.${snapshot}`).join('.@SNAP@');
  return out;
}

const cases = loadMatrix();

describeLab('snapshot creation matrix: planner vs libvirt 9.0', () => {
  let lab: Lab;
  let imgDir: string;
  let xmlDir: string;
  let pool: DomainPool;
  let serial = 0;

  beforeAll(async () => {
    lab = await startLab();
    imgDir = join(lab.dir, 'img');
    xmlDir = join(lab.dir, 'matrix-xml');
    mkdirSync(xmlDir, { recursive: true });
    pool = new DomainPool(lab, imgDir);
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('has the recorded matrix', () => {
    expect(cases.length).toBeGreaterThan(150);
  });

  /** The domain before the submission: as the planner sees it, plus what observe() compares with. */
  async function domainBefore(domain: MatrixDomain, c: MatrixCase): Promise<Before & { planner: PlannerDomain }> {
    const [xml, snapshotList, tagLists] = await Promise.all([
      virshOk(lab, 'dumpxml', domain.name, ...(c.domainState === 'shutoff' ? ['--inactive'] : [])),
      virshOk(lab, 'snapshot-list', domain.name, '--name'),
      Promise.all(Object.entries(domain.sources).map(async ([t, p]) => [t, (await qcow2Tags(p)).map((x) => x.name)] as const)),
    ]);
    const tags = Object.fromEntries(tagLists);
    const snapshots = new Set(snapshotList.split('\n').filter(Boolean));
    const disks = readDomainDisks(xml).map((d) => ({
      target: d.target,
      device: d.device,
      type: d.type,
      format: d.format,
      source: d.source,
      readonly: d.readonly,
      // the lab's disks set no <disk snapshot=…> default
      snapshotDefault: null,
      chainDepth: Math.max(0, d.chain.length - 1),
      hasInternalSnapshots: (tags[d.target] ?? []).length > 0,
      blockJob: false,
    }));
    return {
      files: imageFiles(imgDir, domain.name),
      tags,
      snapshots,
      planner: {
        name: domain.name,
        state: c.domainState,
        disks,
        guestAgent: xml.includes('org.qemu.guest_agent.0'),
        persistent: true,
        snapshotNames: [...snapshots],
        // nothing in libvirt's answers shows this (domstate still says `paused (user)`); the
        // test knows it from its own setup
        pausedSinceMemorySnapshot: c.domainState === 'paused' && c.setup.previousMemorySnapshot === true,
      },
    };
  }

  // Cases run a few at a time, each on its own domain: most of a case is waiting for virsh,
  // libvirtd and QEMU, and two cores can overlap that.
  const slots = new Semaphore(4);

  for (const c of cases) {
    it.concurrent(c.id, async ({ expect }) => {
      await slots.acquire();
      const domain = await pool.take(c.variant, c.domainState).catch((err: unknown) => {
        slots.release();
        throw err;
      });
      const name = c.name === '@SNAP@' ? `s${++serial}` : c.name;
      const files = caseFiles(domain.name, imgDir, name);
      const snapshots: string[] = [];
      let untouched = false;
      try {
        if (c.setup.existingSnapshot) {
          await virshOk(lab, 'snapshot-create-as', domain.name, `--name=${c.setup.existingSnapshot}`);
          snapshots.push(c.setup.existingSnapshot);
        }
        if (c.setup.previousMemorySnapshot) {
          const mem = join(imgDir, `${domain.name}.previous.mem`);
          await virshOk(lab, 'snapshot-create-as', domain.name, '--name=previous', `--memspec=file=${mem},snapshot=external`, '--diskspec=vda,snapshot=no', '--diskspec=vdb,snapshot=no');
          snapshots.push('previous');
        }
        if (c.setup.existingOverlay) {
          const t = c.setup.existingOverlay;
          await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', domain.sources[t]!, files[t]]);
        }
        // the planner sees the world as it is before the submission
        const before = await domainBefore(domain, c);
        const request = createRequest(c, name, files);
        const p = planSnapshot(before.planner, request, environment);
        // and as an operator gets it: the CLI reads the domain itself
        const cli = await createDryRun(lab.uri, domain.name, request);

        const xmlFile = join(xmlDir, `${++serial}.xml`);
        writeFileSync(xmlFile, snapshotXml(c, name, files));
        const r = await lab.virsh('snapshot-create', domain.name, xmlFile, ...virshOptions(c));
        const accepted = r.exitCode === 0;
        const error = accepted
          ? null
          : r.stderr.split('\n').filter((l) => l.startsWith('error: ')).map((l) => l.slice(7)).join('\n') || r.stderr.trim();

        let observed: Observation | null = null;
        if (accepted) {
          const now = (await virshOk(lab, 'snapshot-list', domain.name, '--name')).split('\n').filter(Boolean);
          const created = now.filter((s) => !before.snapshots.has(s));
          snapshots.push(...created);
          const recorded = c.flags.includes('--no-metadata') ? null : (created[0] ?? name);
          observed = await observe(lab, c, domain, recorded, before, imgDir);
        } else {
          untouched = imageFiles(imgDir, domain.name).size === before.files.size;
        }

        // 1. libvirt still behaves as recorded
        const seen = { accepted, error: error && normalise(error, imgDir, domain.name, c.name === '@SNAP@' ? name : null) };
        expect(seen, 'libvirt differs from the fixture').toEqual({ accepted: c.accepted, error: c.error });
        if (observed && c.result) {
          expect(
            {
              memory: observed.snapshot?.memory.mode ?? null,
              disks: observed.snapshot ? Object.fromEntries(Object.entries(observed.snapshot.disks).map(([t, d]) => [t, d.mode])) : null,
              method: observed.method,
            },
            'libvirt differs from the fixture',
          ).toEqual({
            memory: c.result.memory?.mode ?? null,
            disks: c.result.disks ? Object.fromEntries(Object.entries(c.result.disks).map(([t, d]) => [t, d.mode])) : null,
            method: c.result.method,
          });
        }

        // 2. the planner agrees with libvirt
        const libvirtSays = accepted ? 'accepted' : `refused: ${error ?? ''}`;
        expect(p.verdict === 'ok', `planner verdict '${p.verdict}' (${p.reason ?? ''}); libvirt ${libvirtSays}`).toBe(accepted);

        // 3. so does `virtsnap create --dry-run --json`, which learns the domain from libvirt alone.
        // libvirt never reports a domain left paused by an earlier memory snapshot: there the CLI
        // says ok with a warning, and libvirt refuses.
        const unknowable = before.planner.pausedSinceMemorySnapshot === true;
        const cliSays = `CLI verdict '${cli.verdict}' (${cli.reason ?? cli.stderr.trim()}); libvirt ${libvirtSays}`;
        expect(cli.exitCode, cliSays).toBe(cli.verdict === 'ok' ? 0 : 2);
        if (unknowable) {
          expect(cli.verdict, cliSays).toBe('ok');
          expect(cli.warnings.join(' '), 'the warning about the earlier memory snapshot').toMatch(/paused/i);
        } else {
          expect(cli.verdict === 'ok', cliSays).toBe(accepted);
        }
        if (accepted && observed && p.verdict === 'ok') {
          expect(p.method, 'method').toBe(observed.method);
          const stateWord = observed.domainStateAfter.split(' (')[0]!.replace('shut off', 'shutoff');
          if (p.domainStateAfter != null) expect(p.domainStateAfter, 'domain state afterwards').toBe(stateWord);
          if (observed.snapshot) {
            expect(p.resolved, 'resolved').not.toBeNull();
            if (p.resolved!.state !== undefined) expect(p.resolved!.state, 'snapshot <state>').toBe(observed.snapshot.state);
            const resolvedDisks = Object.fromEntries(p.resolved!.disks.map((d) => [d.target, d.mode]));
            expect({ memory: p.resolved!.memory.mode, disks: resolvedDisks }, 'resolved modes').toEqual({
              memory: observed.snapshot.memory.mode,
              disks: Object.fromEntries(Object.entries(observed.snapshot.disks).map(([t, d]) => [t, d.mode])),
            });
            // files, default names included (libvirt's `<source>.<snapshot>` for an overlay)
            const externalFiles = (modes: [string, { mode: string | null; file: string | null }][]): Record<string, string | null> =>
              Object.fromEntries(modes.filter(([, d]) => d.mode === 'external').map(([t, d]) => [t, d.file]));
            expect(
              { memory: p.resolved!.memory.file, disks: externalFiles(p.resolved!.disks.map((d) => [d.target, d])) },
              'resolved files',
            ).toEqual({
              memory: observed.snapshot.memory.file,
              disks: externalFiles(Object.entries(observed.snapshot.disks)),
            });
          }
        }
      } finally {
        try {
          await pool.recycle(domain, {
            snapshots,
            memoryMigrated: c.memory === 'external' || c.setup.previousMemorySnapshot === true,
            untouched,
          });
        } finally {
          slots.release();
        }
      }
    });
  }
});
