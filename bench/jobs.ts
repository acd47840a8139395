// `node dist/bench/jobs.js [MiB] [runs]` (root; needs the lab's packages): one real active
// commit with pivot through virtsnap (plan, start without --wait, poll `blockjob --raw`,
// pivot once ready, check the chain, forget the snapshot's metadata) against plain
// `virsh blockcommit --active --pivot --wait`, on identical lab domains. Prints both
// medians in ms. A reference, not a target: virtsnap does more (pre-flight, verification).

import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openHost } from '../src/engine/connect.js';
import { planBlockCommit } from '../src/engine/flows/block-plan.js';
import { runBlockPlan } from '../src/engine/flows/block-run.js';
import { JobMonitor } from '../src/engine/jobs/job-monitor.js';

// Run from dist/bench/: the repository's scripts/lab.
export const LAB = fileURLToPath(new URL('../../scripts/lab', import.meta.url));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function lab(...args: string[]): Promise<string> {
  return (await execa(LAB, args, { stdin: 'ignore' })).stdout.trim();
}

/** A running lab domain whose vda runs on an overlay holding `mib` MiB of fresh guest writes. */
export async function preparedCommitDomain(dir: string, uri: string, name: string, mib: number): Promise<void> {
  const virsh = (...args: string[]) => execa('virsh', ['-q', '-c', uri, ...args], { stdin: 'ignore' });
  await lab('domain', dir, name, '--fill', String(mib));
  const file = join(dir, 'img', `${name}-vda.e1.qcow2`);
  await virsh('snapshot-create-as', name, 'e1', '--disk-only', '--atomic', '--diskspec', `vda,snapshot=external,file=${file}`, '--diskspec', 'vdb,snapshot=no');
  const out = await virsh('qemu-monitor-command', name, '--hmp', `qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "write -P 0x6b 0 ${mib}M"`);
  if (/Error/.test(out.stdout)) throw new Error(out.stdout);
}

export interface CommitTimes {
  viaVirtsnap: number[];
  viaVirsh: number[];
  /** median virtsnap ÷ median virsh */
  ratio: number;
}

/** `runs` active commits with pivot of `mib` MiB each way, in a lab of its own. */
export async function benchCommit(mib: number, runs: number): Promise<CommitTimes> {
  const dir = mkdtempSync('/tmp/vsl-');
  const uri = (await lab('up', dir, '--no-domain')).split('\n').at(-1)!;
  const virsh = (...args: string[]) => execa('virsh', ['-q', '-c', uri, ...args], { stdin: 'ignore' });
  const viaVirtsnap: number[] = [];
  const viaVirsh: number[] = [];
  const host = openHost({ uri });
  try {
    for (let i = 0; i < runs; i++) {
      await preparedCommitDomain(dir, uri, `vs${i}`, mib);
      await preparedCommitDomain(dir, uri, `vw${i}`, mib);

      let start = process.hrtime.bigint();
      const monitor = new JobMonitor(host);
      const plan = await planBlockCommit(host, { domain: `vs${i}`, disk: 'vda', pivot: true });
      const result = await runBlockPlan(host, monitor, plan).result;
      monitor.close();
      if (!result.ok) throw new Error(`virtsnap commit: ${result.error}`);
      viaVirtsnap.push(Number(process.hrtime.bigint() - start) / 1e6);

      start = process.hrtime.bigint();
      await virsh('blockcommit', `vw${i}`, 'vda', '--active', '--pivot', '--wait');
      viaVirsh.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    await host.close();
    await lab('down', dir, '--purge');
  }
  return { viaVirtsnap, viaVirsh, ratio: median(viaVirtsnap) / median(viaVirsh) };
}

// Run as a program: `node dist/bench/jobs.js [MiB] [runs]`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mib = Number(process.argv[2] ?? 256);
  const runs = Number(process.argv[3] ?? 3);
  const { viaVirtsnap, viaVirsh } = await benchCommit(mib, runs);
  const row = (name: string, samples: number[]) =>
    `${name.padEnd(58)} median ${median(samples).toFixed(0).padStart(6)} ms   (${samples.map((s) => s.toFixed(0)).join(', ')})`;
  console.log(`active commit + pivot of ${mib} MiB, ${runs} runs each (TCG guests, unlimited bandwidth)`);
  console.log(row('virtsnap (plan, start, poll at 3 Hz, pivot, verify, metadata)', viaVirtsnap));
  console.log(row('virsh blockcommit --active --pivot --wait', viaVirsh));
}
