// Every row of the 2012 combination table (seed 000, "snapshot: new XML for external system
// checkpoint"), expanded over its "any", "omit/no", "no/ext" and "int/ext" cells, with the
// verdict and method libvirt 9.0 actually gives. Where 9.0 differs from the table, the case
// says how (`differs`). Measured on the lab: fixtures/creation-matrix-libvirt-9.0.json.

import { describe, expect, it } from 'vitest';
import type { CreateRequest, PlanMethod } from '../../../src/engine/create/types.js';
import { diskModes, IMG, plan, twoDiskDomain } from './helpers.js';

type Mem = 'omit' | 'no' | 'int' | 'ext';
type Disk = 'omit' | 'no' | 'int' | 'ext';
const MODE = { no: 'no', int: 'internal', ext: 'external' } as const;

interface Outcome {
  verdict: 'ok' | 'invalid' | 'unsupported';
  method?: PlanMethod | null;
  memory?: string;
  disks?: string;
  /** A phrase of libvirt's refusal. */
  reason?: string;
  /** How libvirt 9.0 differs from the 2012 row. */
  differs?: string;
}

interface SeedCase {
  row: string;
  domain: 'offline' | 'online';
  memory: Mem;
  disk: Disk;
  diskOnly: boolean;
  expected: Outcome;
}

const cases: SeedCase[] = [];
function row(text: string, memories: Mem[], disks: Disk[], diskOnly: boolean[], expected: (m: Mem, d: Disk, only: boolean) => Outcome) {
  const domain = text.startsWith('offline') ? 'offline' : 'online';
  for (const memory of memories)
    for (const disk of disks)
      for (const only of diskOnly) cases.push({ row: text, domain, memory, disk, diskOnly: only, expected: expected(memory, disk, only) });
}
const ANY = [false, true];
const OFF = [false];
const ON = [true];
const ok = (method: PlanMethod | null, memory: string, disks: string, differs?: string): Outcome => ({ verdict: 'ok', method, memory, disks, differs });
const refused = (verdict: 'invalid' | 'unsupported', reason: string, differs?: string): Outcome => ({ verdict, reason, differs });
const MUST_INTERNAL = "must use snapshot mode 'internal'";
const NEEDS_MEMORY = 'internal snapshot of a running VM must include the memory state';
const NOTHING = 'nothing selected for snapshot';
const MEMORY_OFFLINE = 'memory state cannot be saved with offline or disk-only snapshot';

row('offline omit omit any | memory=no disk=int, via qemu-img', ['omit'], ['omit'], ANY, (_m, _d, only) =>
  only ? ok('qemu-img', 'no', 'external', 'with --disk-only 9.0 makes external overlays (qemu-img create), not internal snapshots') : ok('qemu-img', 'no', 'internal'),
);
row('offline no omit any |+memory=no disk=int, via qemu-img', ['no'], ['omit'], ANY, (_m, _d, only) =>
  only ? ok('qemu-img', 'no', 'external', 'with --disk-only 9.0 makes external overlays') : ok('qemu-img', 'no', 'internal'),
);
row('offline omit/no no any | invalid combination (nothing to snapshot)', ['omit', 'no'], ['no'], ANY, (_m, _d, only) =>
  only
    ? refused('invalid', NOTHING)
    : refused('unsupported', MUST_INTERNAL, "without --disk-only 9.0 refuses first because an internal snapshot can't leave disks out"),
);
row('offline omit/no int any |+memory=no disk=int, via qemu-img', ['omit', 'no'], ['int'], ANY, (_m, _d, only) =>
  only
    ? ok(null, 'no', 'internal', 'with --disk-only 9.0 accepts it but takes the external path, which snapshots nothing (no qcow2 tag is written)')
    : ok('qemu-img', 'no', 'internal'),
);
row('offline omit/no ext any |*memory=no disk=ext, via qemu-img', ['omit', 'no'], ['ext'], ANY, (_m, _d, only) =>
  only ? ok('qemu-img', 'no', 'external') : refused('unsupported', MUST_INTERNAL, 'without --disk-only 9.0 requires every disk of a shut-off domain to be internal'),
);
row('offline int/ext any any | invalid combination (no memory to save)', ['int', 'ext'], ['omit', 'no', 'int', 'ext'], ANY, () => refused('invalid', MEMORY_OFFLINE));
row('online omit omit off | memory=int disk=int, via savevm', ['omit'], ['omit'], OFF, () => ok('savevm', 'internal', 'internal'));
row('online omit omit on | memory=no disk=default, via transaction', ['omit'], ['omit'], ON, () => ok('transaction', 'no', 'external'));
row('online omit no/ext off | unsupported for now', ['omit'], ['no', 'ext'], OFF, () => refused('unsupported', MUST_INTERNAL));
row('online omit no on | invalid combination (nothing to snapshot)', ['omit'], ['no'], ON, () => refused('invalid', NOTHING));
row('online omit ext on | memory=no disk=ext, via transaction', ['omit'], ['ext'], ON, () => ok('transaction', 'no', 'external'));
row('online omit int off |+memory=int disk=int, via savevm', ['omit'], ['int'], OFF, () => ok('savevm', 'internal', 'internal'));
row('online omit int on | unsupported for now', ['omit'], ['int'], ON, () => refused('unsupported', 'active qemu domains require external disk snapshots'));
row('online no omit any |+memory=no disk=default, via transaction', ['no'], ['omit'], ANY, (_m, _d, only) =>
  only ? ok('transaction', 'no', 'external') : refused('unsupported', NEEDS_MEMORY, 'without --disk-only 9.0 refuses memory=no on a running domain'),
);
row('online no no any | invalid combination (nothing to snapshot)', ['no'], ['no'], ANY, (_m, _d, only) =>
  only ? refused('invalid', NOTHING) : refused('unsupported', NEEDS_MEMORY, "without --disk-only 9.0 refuses first because memory=no, before seeing there's nothing to snapshot"),
);
row('online no int any | unsupported for now', ['no'], ['int'], ANY, (_m, _d, only) =>
  only ? refused('unsupported', 'active qemu domains require external disk snapshots') : refused('unsupported', NEEDS_MEMORY),
);
row('online no ext any |+memory=no disk=ext, via transaction', ['no'], ['ext'], ANY, (_m, _d, only) =>
  only ? ok('transaction', 'no', 'external') : refused('unsupported', NEEDS_MEMORY, 'without --disk-only 9.0 refuses memory=no on a running domain'),
);
row('online int/ext any on | invalid combination (disk-only vs. memory)', ['int', 'ext'], ['omit', 'no', 'int', 'ext'], ON, () => refused('invalid', MEMORY_OFFLINE));
row('online int omit off |+memory=int disk=int, via savevm', ['int'], ['omit'], OFF, () => ok('savevm', 'internal', 'internal'));
row('online int no/ext off | unsupported for now', ['int'], ['no', 'ext'], OFF, () => refused('unsupported', MUST_INTERNAL));
row('online int int off |+memory=int disk=int, via savevm', ['int'], ['int'], OFF, () => ok('savevm', 'internal', 'internal'));
row('online ext omit off |*memory=ext disk=default, via migrate+trans', ['ext'], ['omit'], OFF, () => ok('migrate+transaction', 'external', 'external'));
row('online ext no off |+memory=ext disk=no, via migrate', ['ext'], ['no'], OFF, () => ok('migrate', 'external', 'no'));
row('online ext int off | unsupported for now', ['ext'], ['int'], OFF, () => refused('unsupported', 'mixing internal and external targets'));
row('online ext ext off |*memory=ext disk=ext, via migrate+transaction', ['ext'], ['ext'], OFF, () => ok('migrate+transaction', 'external', 'external'));

function requestFor(c: SeedCase): Partial<CreateRequest> {
  const req: Partial<CreateRequest> = { name: 'snap', flags: { diskOnly: c.diskOnly }, disks: [] };
  if (c.memory !== 'omit') {
    req.memory = c.memory === 'ext' ? { mode: 'external', file: `${IMG}/demo.snap.mem` } : { mode: MODE[c.memory] };
  }
  if (c.disk !== 'omit') {
    const disk = c.disk;
    req.disks = ['vda', 'vdb'].map((target) =>
      disk === 'ext' ? { target, mode: 'external' as const, file: `${IMG}/demo-${target}.snap.qcow2` } : { target, mode: MODE[disk] },
    );
  }
  return req;
}

const title = (c: SeedCase) =>
  `${c.row.split('|')[0]!.trim()} → memory=${c.memory} disk=${c.disk} disk-only=${c.diskOnly ? 'on' : 'off'}` +
  `${c.expected.differs ? ' (9.0 differs)' : ''}`;

export const seedCases = cases;
export const seedRequest = requestFor;

describe('the 2012 combination table, as libvirt 9.0 does it', () => {
  it('covers all 25 rows of the table', () => {
    expect(new Set(cases.map((c) => c.row)).size).toBe(25);
  });

  it.each(cases.map((c) => [title(c), c] as const))('%s', (_title, c) => {
    const p = plan(twoDiskDomain(c.domain === 'offline' ? 'shutoff' : 'running'), requestFor(c));
    const { expected } = c;
    expect(p.verdict, `${p.reason}`).toBe(expected.verdict);
    if (expected.verdict !== 'ok') {
      expect(p.reason).toContain(expected.reason);
      expect(p.xml).toBeNull();
      expect(p.commands).toEqual([]);
      return;
    }
    expect(p.reason).toBeNull();
    expect(p.method).toBe(expected.method);
    expect(p.resolved?.memory.mode).toBe(expected.memory);
    expect(diskModes(p)).toEqual({ vda: expected.disks, vdb: expected.disks });
    expect(p.commands).toHaveLength(1);
    expect(p.xml).toContain('<name>snap</name>');
  });
});
