// `npm run bench`: virtsnap measured side by side with plain virsh, and the TUI measured as a
// person sees it (in a pseudo-terminal, from process start or keypress to the frame drawn).
// Prints one table, each target met or missed, and writes bench-results.json in the project
// root. This machine is shared and noisy: rows that compare with virsh interleave the two and
// take the median of the ratios. The bench is not a test: nothing here fails a build.
//
//   BENCH_RUNS=N          samples per row (default 15)
//   VIRTSNAP_BIN=PATH     the executable to time (default: the shipped bundle); a path to an
//                         older build gives the "before" column
//   BENCH_LAB=0           skip the rows that need the lab even when it could run
//   BENCH_ONLY=a,b        only these groups: refresh, cold, frame, keys, memory, lab

import { execa, execaSync } from 'execa';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openHost } from '../src/engine/connect.js';
import { demoUri } from '../src/engine/package-root.js';
import type { Host } from '../src/engine/host.js';
import { SnapshotCache } from '../src/engine/snapshot-cache.js';
import { virshCommands } from '../src/engine/virsh/commands.js';
import { writeChainHost, writeManyChainsHost } from './chain-host.js';
import { benchCommit, lab, preparedCommitDomain } from './jobs.js';
import { PtyProgram } from './pty.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = process.env.VIRTSNAP_BIN ?? `${ROOT}dist/virtsnap/bin.js`;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const VIRSH_ENV = { LC_ALL: 'C.UTF-8', TZ: 'UTC' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function ms(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

interface Row {
  key: string | null;
  what: string;
  value: number | null;
  unit: string;
  /** value must be ≤ target */
  target: number | null;
  note?: string;
}
const rows: Row[] = [];
const log = (text: string) => process.stderr.write(`${text}\n`);

// ---------------------------------------------------------------------------------------------
// P1, P1b, P2: refreshes in one virsh session against `snapshot-list --parent` in that session.

/** Commands a call runs, from the connection's command log. */
async function commandsOf(host: Host, fn: () => Promise<unknown>): Promise<number> {
  const mark = host.runner.log.lastSeq();
  await fn();
  return host.runner.log.since(mark).length;
}

async function refreshRows(): Promise<void> {
  log('refresh: 1000-snapshot domain, one session');
  const host = openHost({ uri: `test://${writeChainHost('chain', 1000)}` });
  try {
    const cache = new SnapshotCache(host);
    const table = () => host.run(virshCommands.snapshotTable('chain'));
    // Warm: the session, and the parse and forest code compiled as in a TUI that has refreshed a few times.
    for (let i = 0; i < 5; i++) {
      await table();
      await cache.get('chain', { full: true });
    }
    const full: number[] = [];
    const unchanged: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const plain = await ms(table);
      full.push((await ms(() => cache.get('chain', { full: true }))) / plain);
      const plain2 = await ms(table);
      unchanged.push((await ms(() => cache.get('chain'))) / plain2);
    }
    rows.push({ key: 'p1_refresh_ratio', what: 'full refresh ÷ snapshot-list --parent (same session, 1000 snapshots)', value: median(full), unit: '×', target: 1.0 });
    rows.push({ key: 'p1b_unchanged_refresh_ratio', what: 'unchanged refresh ÷ snapshot-list --parent (same session)', value: median(unchanged), unit: '×', target: 0.3 });
  } finally {
    await host.close();
  }

  let most = 0;
  const counts: string[] = [];
  for (const size of [10, 100, 1000]) {
    const h = openHost({ uri: `test://${writeChainHost('chain', size)}` });
    try {
      const cache = new SnapshotCache(h);
      const first = await commandsOf(h, () => cache.get('chain', { full: true }));
      const again = await commandsOf(h, () => cache.get('chain'));
      most = Math.max(most, first, again);
      counts.push(`${size}: ${first} full, ${again} unchanged`);
    } finally {
      await h.close();
    }
  }
  rows.push({ key: 'p2_commands_per_refresh', what: 'virsh commands per tree refresh (max over 10, 100, 1000)', value: most, unit: 'cmds', target: 4, note: counts.join('; ') });
}

// ---------------------------------------------------------------------------------------------
// Cold start and P8: whole processes, interleaved with plain virsh.

async function coldRows(): Promise<void> {
  log('cold start: processes');
  const node = (args: string[]) => execa('node', args, { stdin: 'ignore', reject: false });
  const help: number[] = [];
  const list: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(await ms(() => node(['-e', '0'])));
    help.push(await ms(() => node([BIN, '--help'])));
    list.push(await ms(() => node([BIN, '--demo', 'list'])));
  }
  rows.push({ key: null, what: '`node -e 0` (reference)', value: median(bare), unit: 'ms', target: null });
  rows.push({ key: 'cold_help_ms', what: '`virtsnap --help`', value: median(help), unit: 'ms', target: null });
  rows.push({ key: 'cold_demo_list_ms', what: '`virtsnap --demo list`', value: median(list), unit: 'ms', target: null });

  log('cold tree: 1000-snapshot domain, virtsnap tree --json vs virsh snapshot-list --parent');
  const uri = `test://${writeChainHost('chain', 1000)}`;
  const ratios: number[] = [];
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < Math.max(5, Math.ceil(RUNS / 2)); i++) {
    const a = await ms(() => node([BIN, 'tree', 'chain', '-c', uri, '--json']));
    const b = await ms(() => execa('virsh', ['-q', '-c', uri, 'snapshot-list', 'chain', '--parent'], { env: VIRSH_ENV, stdin: 'ignore' }));
    ours.push(a);
    theirs.push(b);
    ratios.push(a / b);
  }
  rows.push({
    key: 'p8_cold_tree_ratio',
    what: 'cold `virtsnap tree --json` ÷ cold `virsh snapshot-list --parent` (1000)',
    value: median(ratios),
    unit: '×',
    target: 1.5,
    note: `${median(ours).toFixed(0)} vs ${median(theirs).toFixed(0)} ms`,
  });
}

// ---------------------------------------------------------------------------------------------
// P3, P4, P6: the TUI in a pseudo-terminal.

/** The node process `script` runs (its only child). */
function programPid(scriptPid: number): number {
  return Number(execFileSync('pgrep', ['-P', String(scriptPid)]).toString().trim().split('\n')[0]);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function firstFrameRow(): Promise<void> {
  log('TUI first frame: demo host');
  const samples: number[] = [];
  for (let i = 0; i < Math.max(5, Math.ceil(RUNS / 3)); i++) {
    const tui = new PtyProgram(['node', BIN, '--demo'], { env: { NO_COLOR: '1' } });
    try {
      // the domain list and the first domain's tree, from the host
      samples.push(await tui.waitFor((t) => t.includes('db-primary') && t.includes('fresh-install')));
      await tui.settle(200);
    } finally {
      await tui.stop();
    }
  }
  rows.push({ key: 'p3_first_frame_ms', what: 'TUI first frame with domains (demo host, from process start)', value: median(samples), unit: 'ms', target: 500 });
}

/** Median ms from a key to its frame, moving in the tree with `keys` in turn. */
async function keypresses(tui: PtyProgram, keys: string[], count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    samples.push(await tui.press(keys[i % keys.length]!));
    // a person's pace: each key is its own frame, not a throttled burst
    await sleep(60);
  }
  return samples;
}

async function keypressRow(): Promise<void> {
  log('TUI keypress: demo host and a 1000-snapshot tree');
  const demo = new PtyProgram(['node', BIN, '--demo'], { env: { NO_COLOR: '1' } });
  let onDemo: number[];
  try {
    await demo.waitFor((t) => t.includes('fresh-install'));
    await demo.settle(500);
    await demo.press('\t');
    await demo.settle(300);
    onDemo = await keypresses(demo, ['j', 'j', 'k', 'k'], RUNS * 2);
  } finally {
    await demo.stop();
  }
  const big = new PtyProgram(['node', BIN, '-c', `test://${writeChainHost('chain', 1000)}`], { env: { NO_COLOR: '1' } });
  let onBig: number[];
  try {
    await big.waitFor((t) => t.includes('snap-0 '));
    await big.settle(800);
    await big.press('\t');
    await big.settle(300);
    onBig = await keypresses(big, ['j'], RUNS * 2);
  } finally {
    await big.stop();
  }
  const value = Math.max(median(onDemo), median(onBig));
  rows.push({
    key: 'p4_keypress_ms',
    what: 'keypress → frame, median (the worse of demo host and 1000-snapshot tree)',
    value,
    unit: 'ms',
    target: 16,
    note: `demo ${median(onDemo).toFixed(1)} ms, 1000-snapshot tree ${median(onBig).toFixed(1)} ms`,
  });
}

async function memoryRow(): Promise<void> {
  log('TUI memory: 10 domains × 1000 snapshots');
  const uri = `test://${writeManyChainsHost(10, 1000)}`;
  const tui = new PtyProgram(['node', BIN, '-c', uri], { env: { NO_COLOR: '1' } });
  try {
    await tui.waitFor((t) => t.includes('chain-9') && t.includes('snap-0 '), 0, 120_000);
    await tui.settle(1000);
    // every domain's tree on screen in turn
    for (let d = 1; d < 10; d++) {
      await tui.press('j');
      await tui.settle(150);
    }
    await tui.settle(1000);
    const pid = programPid(tui.pid);
    rows.push({ key: 'p6_rss_mb', what: 'TUI RSS, 10 domains × 1000 snapshots loaded', value: rssMb(pid), unit: 'MB', target: 150 });
  } finally {
    await tui.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// P5: the lab (real libvirtd and QEMU; root).

function labAvailable(): string | null {
  if (process.env.BENCH_LAB === '0') return 'skipped (BENCH_LAB=0)';
  if (process.getuid?.() !== 0) return 'needs root (the lab)';
  const check = execaSync(`${ROOT}scripts/lab`, ['check'], { reject: false, stdin: 'ignore' });
  return check.exitCode === 0 ? null : 'the lab cannot run here (scripts/lab check)';
}

/** CPU seconds so far of a process and its children that are still running. */
function cpuSeconds(pid: number): number {
  const ticks = (p: number) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  const children = execaSync('pgrep', ['-P', String(pid)], { reject: false }).stdout.split('\n').filter(Boolean).map(Number);
  return [pid, ...children].reduce((sum, p) => sum + ticks(p), 0) / 100;
}

async function labRows(): Promise<void> {
  const why = labAvailable();
  if (why) {
    rows.push({ key: 'p5_commit_ratio', what: 'active commit via virtsnap ÷ virsh blockcommit --wait', value: null, unit: '×', target: 1.03, note: why });
    rows.push({ key: 'p5_cpu_percent', what: 'TUI CPU while following an active commit', value: null, unit: '%', target: 3, note: why });
    return;
  }
  log('lab: active commit, virtsnap vs virsh');
  const commit = await benchCommit(128, 3);
  rows.push({
    key: 'p5_commit_ratio',
    what: 'active commit via virtsnap ÷ virsh blockcommit --wait (128 MiB)',
    value: commit.ratio,
    unit: '×',
    target: 1.03,
    note: `${median(commit.viaVirtsnap).toFixed(0)} vs ${median(commit.viaVirsh).toFixed(0)} ms`,
  });

  log('lab: TUI CPU while following an active commit');
  const dir = (await execa('mktemp', ['-d', '/tmp/vsl-XXXXXX'])).stdout.trim();
  const uri = (await lab('up', dir, '--no-domain')).split('\n').at(-1)!;
  const virsh = (...args: string[]) => execa('virsh', ['-q', '-c', uri, ...args], { stdin: 'ignore' });
  try {
    await preparedCommitDomain(dir, uri, 'follow', 256);
    // slow enough to still run through the whole measurement
    await virsh('blockcommit', 'follow', 'vda', '--active', '--bandwidth', '4');
    const tui = new PtyProgram(['node', BIN, '-c', uri], { env: { NO_COLOR: '1' } });
    try {
      await tui.waitFor((t) => t.includes('follow'), 0, 30_000);
      await tui.settle(2000, 10_000);
      const pid = programPid(tui.pid);
      const seconds = 10;
      const before = cpuSeconds(pid);
      await sleep(seconds * 1000);
      const used = cpuSeconds(pid) - before;
      const job = await virsh('blockjob', 'follow', 'vda', '--info');
      rows.push({
        key: 'p5_cpu_percent',
        what: 'TUI CPU while following an active commit (virtsnap and its virsh, 10 s)',
        value: (used / seconds) * 100,
        unit: '%',
        target: 3,
        note: job.stdout.trim().split('\n').find((l) => l.includes('%')) ?? job.stdout.trim(),
      });
    } finally {
      await tui.stop();
    }
    await virsh('blockjob', 'follow', 'vda', '--abort').catch(() => {});
  } finally {
    await lab('down', dir, '--purge');
  }
}

// ---------------------------------------------------------------------------------------------

if (!existsSync(BIN)) throw new Error(`no ${BIN}: run npm run build first`);
log(`virtsnap bench: ${BIN}, ${RUNS} runs per row`);
// The demo host must be there for the TUI rows.
if (!existsSync(demoUri().slice('test://'.length))) throw new Error('fixtures/demo-host.xml is missing');
const only = process.env.BENCH_ONLY?.split(',');
const groups: [string, () => Promise<void>][] = [
  ['refresh', refreshRows],
  ['cold', coldRows],
  ['frame', firstFrameRow],
  ['keys', keypressRow],
  ['memory', memoryRow],
  ['lab', labRows],
];
for (const [name, run] of groups) {
  if (only && !only.includes(name)) continue;
  try {
    await run();
  } catch (error) {
    // one group failing (a lab that would not start) leaves the others' rows
    rows.push({ key: null, what: `${name}: failed`, value: null, unit: '', target: null, note: String(error instanceof Error ? error.message : error).slice(0, 200) });
  }
}

const fmt = (row: Row) => (row.value === null ? 'n/a' : `${row.value.toFixed(row.unit === '×' ? 2 : row.unit === 'cmds' ? 0 : 1)} ${row.unit}`);
const verdict = (row: Row) => (row.target === null ? '' : row.value === null ? 'not measured' : row.value <= row.target ? 'met' : 'MISSED');
console.log(`\n${'measure'.padEnd(78)} ${'value'.padStart(10)}  ${'target'.padEnd(10)} result`);
for (const row of rows) {
  const target = row.target === null ? '' : `≤ ${row.target}${row.unit === '×' ? '×' : ` ${row.unit}`}`;
  console.log(`${row.what.padEnd(78)} ${fmt(row).padStart(10)}  ${target.padEnd(10)} ${verdict(row)}${row.note ? `  (${row.note})` : ''}`);
}
const KEYS = ['p1_refresh_ratio', 'p1b_unchanged_refresh_ratio', 'p2_commands_per_refresh', 'p3_first_frame_ms', 'p4_keypress_ms', 'p5_commit_ratio', 'p5_cpu_percent', 'p6_rss_mb', 'p8_cold_tree_ratio'];
// Every key is written; one not measured in this run is null.
const results: Record<string, number | null> = Object.fromEntries(KEYS.map((key) => [key, null]));
for (const row of rows) if (row.key) results[row.key] = row.value === null ? null : Number(row.value.toFixed(3));
writeFileSync(`${ROOT}bench-results.json`, `${JSON.stringify({ ...results, measured: new Date().toISOString(), bin: BIN, runs: RUNS }, null, 2)}\n`);
console.log(`\nwrote ${ROOT}bench-results.json`);
