// Every external process virtsnap runs has a bound: a hung one is killed and the error names the
// command. Hung programs are stand-ins first on PATH (or given by path) that `exec sleep`, so the
// PID execa kills is the sleeping process itself and the test can check that it is gone. The
// broken chains are real qcow2 files read by the real qemu-img: a chain whose overlay names
// itself as its backing file (on which `qemu-img map` spins for ever) and one whose backing file
// is missing.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mappedBytes } from '../../../src/engine/flows/block-space.js';
import { runQemuImg } from '../../../src/engine/flows/backup-tools.js';
import { runQemuImgProgress } from '../../../src/engine/flows/offline-qemu-img.js';
import { hostFilesFor } from '../../../src/engine/host-files.js';
import { BrokenChainError, imageChain, QemuImgTimeoutError } from '../../../src/engine/qemu-img.js';
import { OneShotRunner } from '../../../src/engine/virsh/one-shot.js';
import { virshCommands } from '../../../src/engine/virsh/commands.js';
import { VirshTimeoutError } from '../../../src/engine/virsh/errors.js';
import { validateSnapshotXml } from '../../../src/engine/xml/validate.js';

const REAL_QEMU_IMG = execFileSync('sh', ['-c', 'command -v qemu-img'], { encoding: 'utf8' }).trim();
const haveQemuImg = REAL_QEMU_IMG !== '';

let dir: string;
let fakeBin: string;
const savedPath = process.env.PATH;

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A program that records its PID and sleeps; `passInfo` hands `qemu-img info` to the real one. */
function hungProgram(name: string, options: { passInfo?: boolean } = {}): string {
  const file = join(fakeBin, name);
  const pass = options.passInfo ? `if [ "$1" = info ]; then exec ${REAL_QEMU_IMG} "$@"; fi\n` : '';
  writeFileSync(file, `#!/bin/sh\n${pass}echo $$ >>${join(dir, `${name}.pids`)}\nexec sleep 600\n`);
  chmodSync(file, 0o755);
  return file;
}

function startedPids(name: string): number[] {
  const file = join(dir, `${name}.pids`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

/** Runs `fn`, which must reject within `boundMs`; returns the error. */
async function rejectsWithin(boundMs: number, fn: () => Promise<unknown>): Promise<Error> {
  const started = Date.now();
  const error = await fn().then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(error, 'it should have failed').toBeInstanceOf(Error);
  expect(Date.now() - started).toBeLessThan(boundMs);
  return error!;
}

async function expectAllKilled(name: string): Promise<void> {
  const pids = startedPids(name);
  expect(pids.length).toBeGreaterThan(0);
  // execa sends SIGTERM at the timeout; sleep dies of it at once
  for (let i = 0; i < 50 && pids.some(pidAlive); i++) await new Promise((r) => setTimeout(r, 20));
  expect(pids.filter(pidAlive)).toEqual([]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vs-bounds-'));
  fakeBin = join(dir, 'bin');
  execFileSync('mkdir', ['-p', fakeBin]);
});

afterEach(() => {
  process.env.PATH = savedPath;
  rmSync(fakeBin, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', fakeBin]);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a hung program is killed within its bound, and the error names the command', () => {
  it('qemu-img info --backing-chain', async () => {
    hungProgram('qemu-img');
    process.env.PATH = `${fakeBin}:${savedPath}`;
    const error = await rejectsWithin(3000, () => imageChain('/var/tmp/some image.qcow2', { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(QemuImgTimeoutError);
    expect(error.message).toBe('qemu-img info -U --backing-chain --output=json /var/tmp/some image.qcow2 did not finish within 300 ms and was killed');
    await expectAllKilled('qemu-img');
  });

  it.runIf(haveQemuImg)('qemu-img map, after a chain check that answers', async () => {
    const image = join(dir, 'map.qcow2');
    execFileSync(REAL_QEMU_IMG, ['create', '-q', '-f', 'qcow2', image, '1M']);
    hungProgram('qemu-img', { passInfo: true });
    process.env.PATH = `${fakeBin}:${savedPath}`;
    const error = await rejectsWithin(3000, () => mappedBytes(image, 0, 1, { mapTimeoutMs: 300 }));
    expect(error.message).toBe(`qemu-img map -U --output=json ${image} did not finish within 300 ms and was killed`);
    await expectAllKilled('qemu-img');
  });

  it('qemu-img convert (backups) and qemu-img commit (offline merges)', async () => {
    hungProgram('qemu-img');
    process.env.PATH = `${fakeBin}:${savedPath}`;
    const convert = await rejectsWithin(3000, () => runQemuImg(['convert', '-O', 'qcow2', 'a', 'b'], { timeoutMs: 300 }));
    expect(convert.message).toMatch(/^qemu-img convert did not finish within \d+ s and was stopped$/);
    const commit = await rejectsWithin(3000, () => runQemuImgProgress({ files: hostFilesFor('qemu:///system'), args: ['commit', '-p', 'top.qcow2'], timeoutMs: 300 }));
    expect(commit.message).toMatch(/^qemu-img commit did not finish within \d+ s and was stopped$/);
    await expectAllKilled('qemu-img');
  });

  it('virsh, one process per command', async () => {
    const virsh = hungProgram('virsh');
    const runner = new OneShotRunner({ uri: 'qemu:///system', virshPath: virsh });
    const error = await rejectsWithin(3000, () => runner.run(virshCommands.domainState('vm1'), { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(VirshTimeoutError);
    expect(error.message).toBe('virsh domstate --domain=vm1 --reason did not answer within 300 ms and was killed');
    await expectAllKilled('virsh');
  });

  it('xmllint', async () => {
    const xmllint = hungProgram('xmllint');
    const error = await rejectsWithin(3000, () => validateSnapshotXml('<domainsnapshot/>', { xmllint, timeoutMs: 300 }));
    expect(error.message).toMatch(/^.*xmllint --noout --relaxng \S+domainsnapshot\.rng did not finish within 300 ms and was killed$/);
    await expectAllKilled('xmllint');
  });
});

describe.runIf(haveQemuImg)('broken backing chains: a clear error at once, not a hang', () => {
  it('an overlay that names itself as its backing file', async () => {
    const base = join(dir, 'loop-base.qcow2');
    const top = join(dir, 'loop-top.qcow2');
    execFileSync(REAL_QEMU_IMG, ['create', '-q', '-f', 'qcow2', base, '1M']);
    execFileSync(REAL_QEMU_IMG, ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, top]);
    execFileSync(REAL_QEMU_IMG, ['rebase', '-u', '-f', 'qcow2', '-F', 'qcow2', '-b', top, top]);
    const error = await rejectsWithin(5000, () => mappedBytes(top, 0, 1));
    expect(error).toBeInstanceOf(BrokenChainError);
    expect(error.message).toBe(`qemu-img info -U --backing-chain --output=json ${top}: Backing file '${top}' creates an infinite loop.`);
  });

  it('an overlay whose backing file is missing', async () => {
    const base = join(dir, 'gone-base.qcow2');
    const top = join(dir, 'gone-top.qcow2');
    execFileSync(REAL_QEMU_IMG, ['create', '-q', '-f', 'qcow2', base, '1M']);
    execFileSync(REAL_QEMU_IMG, ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, top]);
    rmSync(base);
    const error = await rejectsWithin(5000, () => mappedBytes(top, 0, 1));
    expect(error).toBeInstanceOf(BrokenChainError);
    expect(error.message).toMatch(`qemu-img info -U --backing-chain --output=json ${top}: Could not open `);
    expect(error.message).toContain(`Could not open '${base}': No such file or directory`);
  });
});
