// The lab's Linux guest (scripts/lab domain DIR NAME --linux): a real kernel whose init writes a
// checked stream of blocks to vda while tests run block jobs and snapshots under it, and the
// offline checker of that stream.
//
//   const g = await startLinuxGuest(lab);                  // boots, waits for the writer
//   await g.waitFlushed(g.progress().flushed + 64);        // guest I/O is going on
//   ... a flow ...
//   const end = await g.stop();                            // writer flushes, guest powers off
//   const check = await checkStream(image, { minFlushed: end.flushed });
//   expect(check.problems).toEqual([]);
//
// The stream (scripts/guest/writer has the exact layout): block N is 64 KiB at byte N*65536 of
// vda; its first sector holds "VSNB1 run=R seq=N flushed=F sha256=H", its other 127 sectors
// "vsnb run=R seq=N sector=S " padded with '.', and H is the sha256 of those 127 sectors. F is
// the last block whose fsync had returned (a FLUSH had reached the disk) before block N was
// written. Every block up to the highest F found (or a floor the test knows from the console)
// must be intact: anything else there is data a flow lost.
//
// Boot time and write rate come from the console (DIR/img/NAME.console, appended by QEMU);
// the guest's uptime stamps each line.

import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_SCRIPT, type Lab } from './lab.js';

export const BLOCK = 65536;
const SECTOR = 512;
const HEADER = /^VSNB1 run=([0-9a-f]+) seq=(\d{10}) flushed=(-1|\d+) sha256=([0-9a-f]{64}) *\n$/;

// ---------------------------------------------------------------------------- the checker

export interface StreamCheck {
  /** The run id of block 0 (null: block 0 holds no stream). */
  run: string | null;
  /** Blocks that are intact, counted from block 0 up to the first one that is not. */
  contiguous: number;
  /** The highest `flushed` among intact blocks (-1: none). */
  lastFlushed: number;
  /** The blocks that had to be intact: 0 .. max(lastFlushed, minFlushed). */
  required: number;
  /** Intact blocks in all (some past `required` may be intact too: written, not yet flushed). */
  intact: number;
  /** Bytes of intact blocks checked (intact * 64 KiB). */
  bytesVerified: number;
  /** Each required block that is not intact, and why; empty when nothing was lost. */
  problems: string[];
}

export interface CheckOptions {
  /** Blocks 0..minFlushed must be intact whatever the disk says (known flushed from the console). */
  minFlushed?: number;
  /** Read without taking the image lock (qemu-img -U), beside a running QEMU. */
  unlocked?: boolean;
  /** Check the image's internal snapshot of this name (its qcow2 tag) instead of its present state. */
  internalSnapshot?: string;
}

function expectedBody(run: string, seq: string): Buffer {
  const parts: string[] = [];
  for (let s = 1; s < BLOCK / SECTOR; s++) {
    const line = `vsnb run=${run} seq=${seq} sector=${s} `;
    parts.push(line.padEnd(SECTOR - 1, '.') + '\n');
  }
  return Buffer.from(parts.join(''), 'latin1');
}

interface BlockVerdict {
  ok: boolean;
  why: string;
  run?: string;
  flushed?: number;
}

function judgeBlock(block: Buffer, index: number, run: string | null): BlockVerdict {
  const header = block.subarray(0, SECTOR).toString('latin1');
  if (/^\0*$/.test(header)) return { ok: false, why: 'zeros (never written, or the write was lost)' };
  const m = HEADER.exec(header);
  if (!m) return { ok: false, why: `no valid header: ${JSON.stringify(header.slice(0, 60))}` };
  const [, blockRun, seq, flushed, sha] = m as unknown as [string, string, string, string, string];
  if (Number(seq) !== index) return { ok: false, why: `holds block ${Number(seq)} (misplaced)` };
  if (run !== null && blockRun !== run) return { ok: false, why: `from run ${blockRun}, not ${run} (stale)` };
  const body = block.subarray(SECTOR);
  if (createHash('sha256').update(body).digest('hex') !== sha) {
    // say which sector went wrong, for the report
    const want = expectedBody(blockRun, seq);
    let bad = -1;
    for (let s = 0; s < body.length / SECTOR && bad < 0; s++) {
      if (!body.subarray(s * SECTOR, (s + 1) * SECTOR).equals(want.subarray(s * SECTOR, (s + 1) * SECTOR))) bad = s + 1;
    }
    return { ok: false, why: `checksum mismatch (first wrong sector: ${bad})` };
  }
  if (!body.equals(expectedBody(blockRun, seq))) return { ok: false, why: 'body does not match its header' };
  const f = Number(flushed);
  if (f >= index) return { ok: false, why: `claims block ${f} flushed before it was written` };
  return { ok: true, why: '', run: blockRun, flushed: f };
}

/** Checks the stream in a raw disk image file. */
export function checkRawStream(raw: string, opts: Pick<CheckOptions, 'minFlushed'> = {}): StreamCheck {
  const size = statSync(raw).size;
  const blocks = Math.floor(size / BLOCK);
  const fd = openSync(raw, 'r');
  const verdicts: BlockVerdict[] = [];
  let run: string | null = null;
  try {
    const buf = Buffer.alloc(BLOCK);
    for (let i = 0; i < blocks; i++) {
      readSync(fd, buf, 0, BLOCK, i * BLOCK);
      const v = judgeBlock(buf, i, run);
      if (i === 0 && v.ok) run = v.run ?? null;
      verdicts.push(v);
    }
  } finally {
    closeSync(fd);
  }
  let contiguous = 0;
  while (contiguous < verdicts.length && verdicts[contiguous]!.ok) contiguous++;
  let lastFlushed = -1;
  let intact = 0;
  for (const v of verdicts) {
    if (!v.ok) continue;
    intact++;
    lastFlushed = Math.max(lastFlushed, v.flushed ?? -1);
  }
  const required = Math.max(lastFlushed, opts.minFlushed ?? -1);
  const problems: string[] = [];
  if (required >= blocks) problems.push(`block ${required} should be flushed but the disk has only ${blocks} blocks`);
  for (let i = 0; i <= Math.min(required, blocks - 1); i++) {
    const v = verdicts[i]!;
    if (!v.ok) problems.push(`block ${i}: ${v.why}`);
    if (problems.length >= 20) {
      problems.push('…');
      break;
    }
  }
  return { run, contiguous, lastFlushed, required, intact, bytesVerified: intact * BLOCK, problems };
}

/**
 * Checks the stream as the image (through its backing chain) holds it: qemu-img converts it to
 * a raw file first, which reads it exactly as a guest would.
 */
export async function checkStream(image: string, opts: CheckOptions = {}): Promise<StreamCheck> {
  const dir = mkdtempSync(join(tmpdir(), 'vsnb-'));
  try {
    const raw = join(dir, 'disk.raw');
    const args = ['convert', ...(opts.unlocked ? ['-U'] : [])];
    if (opts.internalSnapshot !== undefined) args.push('-l', `snapshot.name=${opts.internalSnapshot}`);
    await execa('qemu-img', [...args, '-O', 'raw', image, raw], { timeout: 120_000 });
    return checkRawStream(raw, opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------- the console

export interface ConsoleState {
  /** Boots seen (VSNB-BOOT lines): a revert or restart adds one. */
  boots: number;
  /** The latest boot's VSNB-READY: run id, blocks it will write, batch size, guest uptime (s). */
  ready: { run: string; blocks: number; batch: number; t: number } | null;
  /** The latest boot's last progress (written = blocks written; flushed = last flushed block). */
  written: number;
  flushed: number;
  /** Guest uptime of the last progress line (s). */
  t: number;
  /** (written, t) of every progress line of the latest boot, for the write rate. */
  samples: { written: number; t: number }[];
  stopped: boolean;
  full: boolean;
  existing: boolean;
  powerOff: boolean;
  errors: string[];
}

export function parseConsole(text: string): ConsoleState {
  const st: ConsoleState = {
    boots: 0, ready: null, written: 0, flushed: -1, t: 0, samples: [],
    stopped: false, full: false, existing: false, powerOff: false, errors: [],
  };
  for (const line of text.split('\n')) {
    const kv = Object.fromEntries([...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    if (line.startsWith('VSNB-BOOT')) {
      Object.assign(st, { boots: st.boots + 1, ready: null, written: 0, flushed: -1, t: 0, samples: [], stopped: false, full: false, existing: false, powerOff: false });
    } else if (line.startsWith('VSNB-READY')) {
      st.ready = { run: kv.run ?? '', blocks: Number(kv.blocks), batch: Number(kv.batch), t: Number(kv.t) };
    } else if (line.startsWith('VSNB-PROGRESS')) {
      st.written = Number(kv.written);
      st.flushed = Number(kv.flushed);
      st.t = Number(kv.t);
      st.samples.push({ written: st.written, t: st.t });
    } else if (line.startsWith('VSNB-STOPPED')) st.stopped = true;
    else if (line.startsWith('VSNB-FULL')) st.full = true;
    else if (line.startsWith('VSNB-EXISTING')) st.existing = true;
    else if (line.startsWith('VSNB-POWEROFF')) st.powerOff = true;
    else if (/^VSNB-(ERROR|FATAL|WARN)/.test(line) || /Kernel panic|segfault|Segmentation fault/.test(line)) st.errors.push(line.trim());
  }
  return st;
}

/** Blocks per second over the latest boot's progress lines (guest uptime clock). */
export function writeRate(st: ConsoleState): number {
  const s = st.samples;
  if (s.length < 2) return 0;
  const a = s[0]!;
  const b = s.at(-1)!;
  return b.t > a.t ? (b.written - a.written) / (b.t - a.t) : 0;
}

// ---------------------------------------------------------------------------- the guest

export interface LinuxGuest {
  name: string;
  disks: { vda: string; vdb: string };
  console: string;
  /** Host wall-clock ms from `virsh start` (inside scripts/lab domain) to the writer's READY line. */
  bootMs: number;
  state(): ConsoleState;
  /** Waits until the console says block `seq` is flushed; returns that state. */
  waitFlushed(seq: number, timeoutMs?: number): Promise<ConsoleState>;
  /** Asks the writer to stop (vdb grows by 1 MiB), waits until the domain is shut off. */
  stop(timeoutMs?: number): Promise<ConsoleState>;
}

export interface LinuxGuestOptions {
  name?: string;
  /** More kernel arguments: vs.batch=K (blocks per flush), vs.max=N (blocks in all). */
  kernelArgs?: string;
}

let guestCounter = 0;

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

function readConsole(path: string): ConsoleState {
  try {
    return parseConsole(readFileSync(path, 'latin1'));
  } catch {
    return parseConsole('');
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null> | T | null): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** `scripts/lab guest-image`: the kernel and initramfs (built and cached on first use). */
export async function guestImage(): Promise<{ kernel: string; initrd: string; version: string }> {
  const r = await execa(LAB_SCRIPT, ['guest-image'], { stdin: 'ignore', timeout: 300_000 });
  const get = (k: string) => new RegExp(`^${k} (.+)$`, 'm').exec(r.stdout)?.[1] ?? '';
  return { kernel: get('kernel'), initrd: get('initrd'), version: get('version') };
}

/** Defines and starts a Linux guest in the lab and waits until its writer has begun. */
export async function startLinuxGuest(lab: Lab, opts: LinuxGuestOptions = {}): Promise<LinuxGuest> {
  const name = opts.name ?? `lg${++guestCounter}`;
  const args = ['domain', lab.dir, name, '--linux'];
  if (opts.kernelArgs) args.push('--kernel-args', opts.kernelArgs);
  const t0 = Date.now();
  const r = await execa(LAB_SCRIPT, args, { reject: false, stdin: 'ignore', timeout: 300_000 });
  if (r.exitCode !== 0) throw new Error(`scripts/lab ${args.join(' ')} exited with ${String(r.exitCode)}\n${r.stderr}`);
  const consolePath = join(lab.dir, 'img', `${name}.console`);
  const disks = { vda: join(lab.dir, 'img', `${name}-vda.qcow2`), vdb: join(lab.dir, 'img', `${name}-vdb.qcow2`) };
  // a loaded 2-core CI machine has taken 20 s here; TCG boots slowly when it shares the cores
  await until(`${name}'s writer to start (console ${consolePath})`, 120_000, () => {
    const st = readConsole(consolePath);
    if (st.errors.length) throw new Error(`${name}: ${st.errors.join('; ')}`);
    return st.ready && st.samples.length > 0 ? st : null;
  });
  const bootMs = Date.now() - t0;

  const guest: LinuxGuest = {
    name,
    disks,
    console: consolePath,
    bootMs,
    state: () => readConsole(consolePath),
    async waitFlushed(seq: number, timeoutMs = 60_000) {
      return until(`${name} to flush block ${seq}`, timeoutMs, () => {
        const st = readConsole(consolePath);
        if (st.errors.length) throw new Error(`${name}: ${st.errors.join('; ')}`);
        if (st.full && st.flushed < seq) throw new Error(`${name}: the data disk is full at block ${st.flushed}`);
        return st.flushed >= seq ? st : null;
      });
    },
    async stop(timeoutMs = 60_000) {
      const info = await lab.virsh('domblkinfo', name, 'vdb');
      const capacity = Number(/^Capacity:\s+(\d+)/m.exec(info.stdout)?.[1]);
      if (!capacity) throw new Error(`domblkinfo ${name} vdb: ${info.stdout}${info.stderr}`);
      const rs = await lab.virsh('blockresize', name, 'vdb', `${capacity + 1024 * 1024}B`);
      if (rs.exitCode !== 0) throw new Error(`blockresize ${name} vdb: ${rs.stderr}`);
      await until(`${name} to stop its writer and power off`, timeoutMs, async () => {
        const st = (await lab.virsh('domstate', name)).stdout.trim();
        return st === 'shut off' ? st : null;
      });
      return readConsole(consolePath);
    },
  };
  return guest;
}
