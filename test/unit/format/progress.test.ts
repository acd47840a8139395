import { describe, expect, it } from 'vitest';
import { ASCII_BAR, BLOCK_BAR, formatDuration, formatMiB, formatPercent, formatProgressLine, progressBar } from '../../../src/format/progress.js';
import type { BlockJobEvent } from '../../../src/engine/jobs/block-job-types.js';

describe('progress', () => {
  it('draws bars of a fixed width, clamped', () => {
    expect(progressBar(50, 10)).toBe('[#####.....]');
    expect(progressBar(150, 4)).toBe('[####]');
    expect(progressBar(-3, 4)).toBe('[....]');
    expect(progressBar(Number.NaN, 4)).toBe('[....]');
    expect(progressBar(25, 8, BLOCK_BAR)).toBe('██░░░░░░');
    expect(progressBar(100, 3, ASCII_BAR)).toBe('[###]');
  });

  it('says times left the same way everywhere', () => {
    expect(formatDuration(null)).toBe('--');
    expect(formatDuration(Infinity)).toBe('--');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(3720)).toBe('1h02m');
  });

  it('one progress line for a job event', () => {
    const event = { domain: 'web-01', disk: 'vda', type: 'commit', phase: 'running', percent: 45.2, cur: 45 * 1048576, end: 100 * 1048576, rate: 2 * 1048576, bandwidth: 0, eta: 27.5, converging: true } as unknown as BlockJobEvent;
    expect(formatProgressLine(event, 10)).toBe('vda commit [#####.....]  45.20 %  45.0 MiB/100.0 MiB  2.0 MiB/s  eta 28s  running');
    expect(formatMiB(1536 * 1024)).toBe('1.5 MiB');
    expect(formatPercent(5, 1)).toBe('  5.0 %');
  });
});
