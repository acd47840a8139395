import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBlockJobRaw } from '../../../src/engine/parse/blockjob-raw.js';
import { parseProgressLine } from '../../../src/engine/parse/job-progress.js';
import { ParseError } from '../../../src/engine/parse/parse-error.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

/** The `--raw` blocks of the polling sample, in order. */
function rawBlocks(): string[] {
  return [...fixture('samples/blockjob-info-poll.txt').matchAll(/^ type=.*\n bandwidth=.*\n cur=.*\n end=.*\n/gm)].map((m) => m[0]);
}

describe('parseBlockJobRaw', () => {
  it('reads every poll of an active commit', () => {
    const jobs = rawBlocks().map(parseBlockJobRaw);
    expect(jobs).toHaveLength(9);
    expect(jobs[0]).toEqual({ type: 'Active Block Commit', bandwidth: 30, cur: 33554432, end: 314572800 });
    // Just before `ready`, an active commit reports cur = end - 1.
    expect(jobs[8]).toEqual({ type: 'Active Block Commit', bandwidth: 30, cur: 314572799, end: 314572800 });
  });

  it('reads a block pull of the command log', () => {
    expect(parseBlockJobRaw(' type=Block Pull\n bandwidth=20\n cur=44040192\n end=1073741824\n')).toEqual({
      type: 'Block Pull',
      bandwidth: 20,
      cur: 44040192,
      end: 1073741824,
    });
  });

  it('reads empty output (no job) as null, also the message printed without -q', () => {
    expect(parseBlockJobRaw('')).toBeNull();
    expect(parseBlockJobRaw('No current block job for vda\n')).toBeNull();
  });

  it('rejects other output', () => {
    expect(() => parseBlockJobRaw(' type=Block Pull\n cur=x\n')).toThrow(ParseError);
    expect(() => parseBlockJobRaw('Block Pull: [ 3 %]\n')).toThrow(ParseError);
  });
});

describe('parseProgressLine', () => {
  it('takes the last meter of a blockcommit --verbose stream', () => {
    const stderr = fixture('samples/blockcommit-verbose-stderr.bin');
    expect(parseProgressLine(stderr)).toEqual({ label: 'Block commit', percent: 100 });
    expect(parseProgressLine(stderr.slice(0, stderr.indexOf('[ 48 %]') + 7))).toEqual({ label: 'Block commit', percent: 48 });
  });

  it('ignores a meter cut at the end of a chunk', () => {
    expect(parseProgressLine('\rBlock commit: [  5 %]\rBlock commit: [ 1')).toEqual({ label: 'Block commit', percent: 5 });
  });

  it('reads blockjob --info output, with the bandwidth on the same line', () => {
    const poll = fixture('samples/blockjob-info-poll.txt');
    expect(parseProgressLine(poll.slice(0, poll.indexOf('\n')) + poll.slice(poll.indexOf('\r'), poll.indexOf('\n', poll.indexOf('\r'))))).toEqual({
      label: 'Active Block Commit',
      percent: 10,
    });
  });

  it('reads the two-decimal format of newer virsh', () => {
    expect(parseProgressLine('\rBlock Commit: [45.00 %]')).toEqual({ label: 'Block Commit', percent: 45 });
    expect(parseProgressLine('\rActive Block Commit: [ 5.25 %]')).toEqual({ label: 'Active Block Commit', percent: 5.25 });
    expect(parseProgressLine('\rBlock Pull: [100.00 %]')).toEqual({ label: 'Block Pull', percent: 100 });
  });

  it('returns null without a meter', () => {
    expect(parseProgressLine('')).toBeNull();
    expect(parseProgressLine('    Bandwidth limit: 31457280 bytes/s (30.000 MiB/s)\n')).toBeNull();
  });
});
