// Lab domains for the creation matrix: a pool of clean domains per (variant, state), reused when a
// case left nothing behind (no overlay, no qcow2 tag, no snapshot, same state), else replaced.
// A fresh domain costs ~1 s; reuse keeps the whole matrix within a few minutes.

import { execa } from 'execa';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab.js';
import type { DomainStateWanted, DomainVariant } from './fixture.js';

export interface MatrixDomain {
  name: string;
  variant: DomainVariant;
  state: DomainStateWanted;
  /** Active image per target when the domain was clean. */
  sources: Record<string, string>;
}

const STATE_WORD: Record<DomainStateWanted, string> = { running: 'running', paused: 'paused', shutoff: 'shut off' };

export async function virshOk(lab: Lab, ...args: string[]): Promise<string> {
  const r = await lab.virsh(...args);
  if (r.exitCode !== 0) throw new Error(`virsh ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `domblklist` as target -> source (`--inactive`: the persistent definition). */
export async function blockList(lab: Lab, domain: string, inactive = false): Promise<Record<string, string>> {
  const out = await virshOk(lab, 'domblklist', domain, ...(inactive ? ['--inactive'] : []));
  const map: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+(.*\S)\s*$/.exec(line);
    if (m?.[1] && m[2]) map[m[1]] = m[2];
  }
  return map;
}

export async function qcow2Tags(path: string): Promise<{ name: string; vmStateSize: number }[]> {
  if (!existsSync(path)) return [];
  const { stdout } = await execa('qemu-img', ['info', '-U', '--output=json', path]);
  const info = JSON.parse(stdout) as { snapshots?: { name: string; 'vm-state-size': number }[] };
  return (info.snapshots ?? []).map((s) => ({ name: s.name, vmStateSize: s['vm-state-size'] }));
}

export class DomainPool {
  private idle: MatrixDomain[] = [];
  private counter = 0;

  constructor(
    private readonly lab: Lab,
    private readonly imgDir: string,
  ) {}

  async take(variant: DomainVariant, state: DomainStateWanted): Promise<MatrixDomain> {
    const i = this.idle.findIndex((d) => d.variant === variant && d.state === state);
    if (i >= 0) return this.idle.splice(i, 1)[0]!;
    return this.create(variant, state);
  }

  private async create(variant: DomainVariant, state: DomainStateWanted): Promise<MatrixDomain> {
    const lab = this.lab;
    const running = state !== 'shutoff';
    const name = `${variant === 'raw-vdb' ? 'r' : 'm'}${++this.counter}`;
    if (variant === 'raw-vdb') {
      // the lab's domain, with vdb swapped for a raw image
      await lab.newDomain({ name, running: false });
      const raw = join(this.imgDir, `${name}-vdb.raw`);
      await execa('qemu-img', ['create', '-q', '-f', 'raw', raw, '64M']);
      const xml = (await virshOk(lab, 'dumpxml', '--inactive', name)).replace(
        /<driver name='qemu' type='qcow2'\/>(\s*)<source file='[^']*-vdb\.qcow2'\/>/,
        `<driver name='qemu' type='raw'/>$1<source file='${raw}'/>`,
      );
      if (!xml.includes(raw)) throw new Error(`could not swap vdb of ${name} for a raw image`);
      const file = join(this.imgDir, `${name}.raw-vdb.xml`);
      writeFileSync(file, xml);
      await virshOk(lab, 'define', file);
      rmSync(join(this.imgDir, `${name}-vdb.qcow2`), { force: true });
      if (running) await virshOk(lab, 'start', name);
    } else {
      await lab.newDomain({ name, running });
    }
    if (state === 'paused') await virshOk(lab, 'suspend', name);
    return { name, variant, state, sources: await blockList(lab, name, true) };
  }

  /**
   * Back to the pool when clean (after deleting the case's snapshots), else destroyed. A domain
   * whose memory went to a file is never clean: QEMU refuses to migrate a paused guest again
   * ("Can't migrate the vm that was paused due to previous migration"). `untouched`: libvirt
   * refused and no file appeared, so only the state and the tags need a look.
   */
  async recycle(domain: MatrixDomain, after: { snapshots: string[]; memoryMigrated: boolean; untouched: boolean }): Promise<void> {
    const lab = this.lab;
    const same = (a: Record<string, string>): boolean => JSON.stringify(a) === JSON.stringify(domain.sources);
    let clean = !after.memoryMigrated;
    if (clean && !after.untouched) clean = same(await blockList(lab, domain.name, true).catch(() => ({})));
    if (clean && after.snapshots.length > 0) {
      for (const s of after.snapshots) {
        if ((await lab.virsh('snapshot-delete', domain.name, s)).exitCode !== 0) {
          await lab.virsh('snapshot-delete', domain.name, s, '--metadata');
        }
      }
      clean = (await virshOk(lab, 'snapshot-list', domain.name, '--name')).trim() === '';
    }
    if (clean && !after.untouched && domain.state !== 'shutoff') clean = same(await blockList(lab, domain.name));
    if (clean) {
      const [state, tags] = await Promise.all([
        virshOk(lab, 'domstate', domain.name).then((out) => out.trim()),
        Promise.all(Object.values(domain.sources).map((p) => qcow2Tags(p))),
      ]);
      if (tags.some((list) => list.length > 0)) clean = false;
      else if (state !== STATE_WORD[domain.state]) {
        if (domain.state === 'running' && state === 'paused') await virshOk(lab, 'resume', domain.name);
        else if (domain.state === 'paused' && state === 'running') await virshOk(lab, 'suspend', domain.name);
        else clean = false;
      }
    }
    if (clean) this.idle.push(domain);
    else await this.discard(domain);
  }

  async discard(domain: MatrixDomain): Promise<void> {
    await this.lab.virsh('destroy', domain.name);
    await this.lab.virsh('undefine', domain.name, '--snapshots-metadata');
    for (const f of readdirSync(this.imgDir)) {
      if (f.startsWith(`${domain.name}-`) || f.startsWith(`${domain.name}.`)) rmSync(join(this.imgDir, f), { force: true });
    }
  }
}
