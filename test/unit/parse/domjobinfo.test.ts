import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDomjobinfo } from '../../../src/engine/parse/domjobinfo.js';
import { ParseError } from '../../../src/engine/parse/parse-error.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** The domjobinfo blocks of the polling sample (each ends before its domstate line). */
function pollBlocks(): string[] {
  return [...fixture('samples/domjobinfo-poll-external-memory-snapshot.txt').matchAll(/^Job type:[\s\S]*?\n\n/gm)].map((m) => m[0]);
}

describe('parseDomjobinfo', () => {
  it('reads a running external memory snapshot job', () => {
    const [first] = pollBlocks();
    const info = parseDomjobinfo(first ?? '');
    expect(info).toMatchObject({
      jobType: 'Unbounded',
      operation: 'Snapshot',
      timeElapsedMs: 274,
      timeRemainingMs: null,
      dataProcessedBytes: Math.round(108.147 * MiB),
      dataRemainingBytes: Math.round(1.646 * GiB),
      dataTotalBytes: 2 * GiB,
      memoryBandwidthBytesPerSecond: Math.round(276.805 * MiB),
      errorMessage: null,
    });
    expect(info.fields).toMatchObject({
      'Dirty rate': 0,
      'Page size': 4096,
      Iteration: 1,
      'Postcopy requests': 0,
      'Normal pages': 27488,
      'Expected downtime': 300,
      'Setup time': 1,
    });
  });

  it('reads every poll: growing progress, then Completed without data, then None', () => {
    const infos = pollBlocks().map(parseDomjobinfo);
    const running = infos.filter((info) => info.jobType === 'Unbounded');
    const processed = running.map((info) => info.dataProcessedBytes ?? -1);
    expect(running.length).toBeGreaterThan(5);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(infos.slice(-2)).toMatchObject([
      { jobType: 'Completed', operation: 'Snapshot', dataProcessedBytes: null },
      { jobType: 'None', operation: null, fields: { 'Job type': 'None' } },
    ]);
  });

  it('reads a completed job of the command log', () => {
    const log = fixture('samples/command-log-libvirt-9.0.md');
    const start = log.indexOf('Job type:         Completed');
    const info = parseDomjobinfo(log.slice(start, log.indexOf('```', start)));
    expect(info).toMatchObject({ jobType: 'Completed', timeElapsedMs: 5142, dataRemainingBytes: 0 });
    expect(info.fields['Total downtime']).toBe(5139);
  });

  it('reads "no job"', () => {
    expect(parseDomjobinfo('Job type:         None        \n\n')).toMatchObject({ jobType: 'None', operation: null });
  });

  it('keeps colons of an error message', () => {
    expect(parseDomjobinfo('Job type:         Failed      \nError message:    internal error: boom: x\n').errorMessage).toBe(
      'internal error: boom: x',
    );
  });

  it('rejects other output', () => {
    expect(() => parseDomjobinfo('')).toThrow(ParseError);
    expect(() => parseDomjobinfo('nonsense\n')).toThrow(ParseError);
  });
});
