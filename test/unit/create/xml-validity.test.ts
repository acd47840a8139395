// Every XML the planner would submit is valid against libvirt's own RELAX NG schema
// (domainsnapshot.rng, through xmllint): the whole grid of states x memory x disks x
// --disk-only, the per-disk mixes, odd names and descriptions, and every overlay form.

import { describe, expect, it } from 'vitest';
import type { CreateRequest, DiskRequest, MemoryRequest, Plan } from '../../../src/engine/create/types.js';
import { validateSnapshotXmlBatch } from '../../../src/engine/xml/validate.js';
import type { DiskSnapshotMode } from '../../../src/engine/model.js';
import { environment, IMG, plan, qcow2Disk, twoDiskDomain } from './helpers.js';

const STATES = ['running', 'paused', 'shutoff'] as const;
const MEMORY: (MemoryRequest | undefined)[] = [undefined, { mode: 'no' }, { mode: 'internal' }, { mode: 'external', file: `${IMG}/m.mem` }];
const DISK_MODES: (DiskSnapshotMode | 'omit')[] = ['omit', 'no', 'internal', 'external', 'manual'];

function disk(target: string, mode: DiskSnapshotMode | 'omit', withFile: boolean): DiskRequest[] {
  if (mode === 'omit') return [];
  if (mode === 'external' && withFile) return [{ target, mode, file: `${IMG}/${target}.ov.qcow2`, driverType: 'qcow2' }];
  return [{ target, mode }];
}

function gridRequests(): Partial<CreateRequest>[] {
  const requests: Partial<CreateRequest>[] = [];
  for (const memory of MEMORY)
    for (const vda of DISK_MODES)
      for (const vdb of DISK_MODES)
        for (const diskOnly of [false, true])
          for (const withFile of [false, true]) {
            const req: Partial<CreateRequest> = { name: 'grid', flags: { diskOnly }, disks: [...disk('vda', vda, withFile), ...disk('vdb', vdb, withFile)] };
            if (memory) req.memory = memory;
            requests.push(req);
          }
  return requests;
}

function okPlans(): { label: string; plan: Plan }[] {
  const plans: { label: string; plan: Plan }[] = [];
  for (const state of STATES)
    for (const req of gridRequests()) plans.push({ label: `${state} ${JSON.stringify(req)}`, plan: plan(twoDiskDomain(state), req) });
  const names = ['my snap', 'снимок-ü', 'x<&>y', `it's "q"`, '-x', 'a,b', ' lead and trail ', 'tab\there'];
  for (const name of names) {
    plans.push({ label: `name ${name}`, plan: plan(twoDiskDomain('running'), { name, description: `about ${name} <&>` }) });
    plans.push({ label: `name ${name} disk-only`, plan: plan(twoDiskDomain('running'), { name, flags: { diskOnly: true } }) });
  }
  plans.push({
    label: 'manual seed example',
    plan: plan(twoDiskDomain('running', { disks: [qcow2Disk('vda'), qcow2Disk('vdb'), qcow2Disk('vdc')] }), {
      memory: { mode: 'external', file: '/path/to/memory/img' },
      disks: [{ target: 'vda', mode: 'manual' }, { target: 'vdb', mode: 'external' }, { target: 'vdc', mode: 'no' }],
    }),
  });
  plans.push({
    label: 'block overlay',
    plan: plan(
      twoDiskDomain('running', { disks: [qcow2Disk('vda'), qcow2Disk('vdb', { type: 'block', source: '/dev/vg/lv' })] }),
      { flags: { diskOnly: true }, disks: [{ target: 'vdb', file: '/dev/vg/snap', sourceType: 'block' }] },
      environment({ '/dev/vg/snap': 0 }),
    ),
  });
  plans.push({
    label: 'comma paths',
    plan: plan(twoDiskDomain('running'), {
      memory: { mode: 'external', file: '/img/a,b.mem' },
      disks: [{ target: 'vda', file: '/img/x,y.qcow2', driverType: 'qed' }],
    }),
  });
  return plans.filter((p) => p.plan.verdict === 'ok');
}

describe('planned XML against libvirt’s schema', () => {
  it('every ok plan’s XML validates with domainsnapshot.rng', async () => {
    const plans = okPlans();
    expect(plans.length).toBeGreaterThan(150);
    const results = await validateSnapshotXmlBatch(plans.map((p) => p.plan.xml as string));
    const failures = results.flatMap((r, i) => (r.ok ? [] : [`${plans[i]!.label}: ${r.errors.join('; ')}`]));
    expect(failures).toEqual([]);
  });

  it('the check can fail: a snapshot XML libvirt’s schema refuses is reported', async () => {
    const [result] = await validateSnapshotXmlBatch(["<domainsnapshot><memory snapshot='sideways'/></domainsnapshot>"]);
    expect(result?.ok).toBe(false);
  });
});
