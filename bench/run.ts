// `npm run bench`: virtsnap's engine against plain virsh. Performance targets live here,
// not in timed tests; a missed target makes the run exit non-zero.

import { execa } from 'execa';
import { openHost, type VirshMode } from '../src/engine/connect.js';
import { virshCommands } from '../src/engine/virsh/commands.js';
import { writeChainHost } from './chain-host.js';

interface Measurement {
  name: string;
  samples: number[];
  /** Target for the median, in ms; undefined when the row is only a reference. */
  targetMs?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function time(fn: () => Promise<unknown>, runs: number): Promise<number[]> {
  const samples: number[] = [];
  await fn(); // warm-up: first connection, page cache
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

async function treeRefresh(uri: string, mode: VirshMode, runs: number): Promise<number[]> {
  const host = openHost({ uri, mode });
  try {
    return await time(() => host.forest('chain'), runs);
  } finally {
    await host.close();
  }
}

async function singleCommand(uri: string, mode: VirshMode, runs: number): Promise<number[]> {
  const host = openHost({ uri, mode });
  try {
    return await time(() => host.run(virshCommands.currentSnapshotName('chain')), runs);
  } finally {
    await host.close();
  }
}

async function plainVirsh(uri: string, args: string[], runs: number): Promise<number[]> {
  return time(() => execa('virsh', ['-q', '-c', uri, ...args], { env: { LC_ALL: 'C', TZ: 'UTC' } }), runs);
}

/** A whole `virtsnap` process, start-up included (reference: what a script calling it pays). */
async function cliProcess(args: string[], runs: number): Promise<number[]> {
  const bin = new URL('../src/bin.js', import.meta.url).pathname;
  return time(() => execa('node', [bin, ...args]), runs);
}

const uri = `test://${writeChainHost('chain', 200)}`;
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const rows: Measurement[] = [
  { name: 'one command, persistent session', samples: await singleCommand(uri, 'session', RUNS * 5), targetMs: 10 },
  { name: 'one command, one-shot virsh', samples: await singleCommand(uri, 'one-shot', RUNS) },
  { name: 'tree of 200 snapshots, session (4 cmds)', samples: await treeRefresh(uri, 'session', RUNS), targetMs: 250 },
  { name: 'tree of 200 snapshots, one-shot (4 cmds)', samples: await treeRefresh(uri, 'one-shot', RUNS) },
  { name: 'plain `virsh snapshot-list --tree`', samples: await plainVirsh(uri, ['snapshot-list', 'chain', '--tree'], RUNS) },
  { name: 'plain `virsh snapshot-list --parent`', samples: await plainVirsh(uri, ['snapshot-list', 'chain', '--parent'], RUNS) },
  { name: '`virtsnap tree` process (start-up included)', samples: await cliProcess(['tree', 'chain', '-c', uri, '--json'], RUNS) },
];

let missed = 0;
console.log(`virtsnap bench (${RUNS} runs; test driver, 200-snapshot chain)\n`);
console.log(`${'what'.padEnd(44)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}  target`);
for (const row of rows) {
  const med = median(row.samples);
  const ok = row.targetMs === undefined || med <= row.targetMs;
  if (!ok) missed++;
  const target = row.targetMs === undefined ? '' : `${ok ? 'ok' : 'MISSED'} (≤ ${row.targetMs} ms)`;
  const fmt = (n: number) => `${n.toFixed(1)} ms`.padStart(9);
  console.log(`${row.name.padEnd(44)} ${fmt(med)} ${fmt(Math.min(...row.samples))} ${fmt(Math.max(...row.samples))}  ${target}`);
}
process.exitCode = missed ? 1 : 0;
