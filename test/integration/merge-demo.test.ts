// The demo host (libvirt's test driver) has backing chains but no block-job API: `jobs` lists
// none with a note and exits 0, and commit/pull/copy still show their plan and refuse plainly.

import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } });
const IMG = '/var/lib/libvirt/images';

it('jobs on the demo host: none, a note that this driver cannot run block jobs, exit 0 (text and JSON)', async () => {
  const text = await cli(['jobs', '--demo']);
  expect(text.exitCode).toBe(0);
  expect(text.stdout).toBe('no block jobs');
  expect(text.stderr).toMatch(/this driver cannot run block jobs \(libvirt: this function is not supported by the connection driver: virDomainGetBlockJobInfo\)/);
  const json = await cli(['jobs', '--demo', '--json']);
  expect(json.exitCode).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual([]);
});

it('the demo host has backing chains: commit shows its plan and says the driver cannot run it (exit 2)', async () => {
  const r = await cli(['commit', '--demo', 'web-01', 'vda', '--pivot', '--dry-run', '--json']);
  expect(r.exitCode).toBe(2);
  const plan = JSON.parse(r.stdout.trim().split('\n')[0]!) as { refusal: string; change: { before: string[]; after: string[] } };
  expect(plan.refusal).toMatch(/this driver cannot run block jobs/);
  expect(plan.change.before).toEqual([`${IMG}/web-01.tls-renewal.qcow2`, `${IMG}/web-01.qcow2`]);
  expect(plan.change.after).toEqual([`${IMG}/web-01.qcow2`]);
});

it('pull --all-disks on the demo host: one plan over vda and vdb, refused once', async () => {
  const r = await cli(['pull', '--demo', 'db-primary', '--all-disks', '--dry-run']);
  expect(r.exitCode).toBe(2);
  expect(r.stdout).toMatch(/^flatten \(pull\) on db-primary vda, vdb, online with block jobs$/m);
  expect(r.stdout).toMatch(/1\. vda: start the block pull/);
  // each disk: start, copy, flush, verify
  expect(r.stdout).toMatch(/5\. vdb: start the block pull/);
  expect(r.stderr.match(/this driver cannot run block jobs/g)).toHaveLength(1);
});

it('copy on the demo host: the plan says --transient-job and that the driver cannot run it', async () => {
  const r = await cli(['copy', '--demo', 'web-01', 'vda', '/tmp/virtsnap-demo-copy.qcow2', '--pivot', '--dry-run']);
  expect(r.exitCode).toBe(2);
  expect(r.stdout).toContain('--transient-job');
  expect(r.stdout).toMatch(/domain is not transient/);
  expect(r.stderr).toMatch(/this driver cannot run block jobs/);
});
