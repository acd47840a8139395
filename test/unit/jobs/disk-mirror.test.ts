import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDiskMirrors } from '../../../src/engine/jobs/disk-mirror.js';

// Captured from libvirt 9.0 during `blockcommit --active` without --wait: while copying, then ready.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('readDiskMirrors', () => {
  it('sees a running active commit as not ready, with its base as target', () => {
    const mirrors = readDiskMirrors(fixture('dumpxml-active-commit-running.xml'));
    expect([...mirrors.keys()]).toEqual(['vda']);
    expect(mirrors.get('vda')).toEqual({ job: 'active-commit', ready: false, target: expect.stringMatching(/x1-vda\.qcow2$/) });
  });

  it("sees ready='yes' once the commit has caught up", () => {
    expect(readDiskMirrors(fixture('dumpxml-active-commit-ready.xml')).get('vda')?.ready).toBe(true);
  });

  it('finds no mirror in a domain without jobs', () => {
    const xml = fixture('dumpxml-active-commit-ready.xml').replace(/<mirror[\s\S]*?<\/mirror>/, '');
    expect(readDiskMirrors(xml).size).toBe(0);
  });
});
