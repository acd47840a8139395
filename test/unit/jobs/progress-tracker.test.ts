import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../../src/engine/jobs/progress-tracker.js';

const MiB = 1024 * 1024;

describe('ProgressTracker', () => {
  it('has no rate or eta from a single sample', () => {
    const t = new ProgressTracker();
    expect(t.add({ at: 0, cur: 0, end: 100 * MiB })).toEqual({ rate: null, eta: null, converging: null });
  });

  it('measures the rate over its window and the time left from it', () => {
    const t = new ProgressTracker({ rateWindowMs: 1000 });
    t.add({ at: 0, cur: 0, end: 100 * MiB });
    t.add({ at: 500, cur: 5 * MiB, end: 100 * MiB });
    const e = t.add({ at: 1000, cur: 10 * MiB, end: 100 * MiB });
    expect(e.rate).toBe(10 * MiB);
    expect(e.eta).toBe(9);
    // 2 s later only the last second counts: 20 MiB/s
    t.add({ at: 1500, cur: 20 * MiB, end: 100 * MiB });
    const later = t.add({ at: 2000, cur: 30 * MiB, end: 100 * MiB });
    expect(later.rate).toBe(20 * MiB);
    expect(later.eta).toBe(3.5);
  });

  it('says nothing about convergence before the window is full', () => {
    const t = new ProgressTracker({ convergenceWindowMs: 4000 });
    for (let at = 0; at < 4000; at += 500) expect(t.add({ at, cur: at * 1000, end: 100 * MiB + at * 4000 }).converging).toBeNull();
  });

  it('flags a job whose bytes left do not shrink while the guest adds more', () => {
    const t = new ProgressTracker({ convergenceWindowMs: 4000 });
    let last = t.add({ at: 0, cur: 0, end: 10 * MiB });
    // copies 1 MiB/s, the guest dirties 3 MiB/s
    for (let s = 1; s <= 6; s++) last = t.add({ at: s * 1000, cur: s * MiB, end: 10 * MiB + 3 * s * MiB });
    expect(last.converging).toBe(false);
  });

  it('counts a job that catches up as converging, even while the total grows', () => {
    const t = new ProgressTracker({ convergenceWindowMs: 4000 });
    let last = t.add({ at: 0, cur: 0, end: 10 * MiB });
    for (let s = 1; s <= 6; s++) last = t.add({ at: s * 1000, cur: 4 * s * MiB, end: 10 * MiB + s * MiB });
    expect(last.converging).toBe(true);
  });

  it('starts over when a new job on the disk reports less than before', () => {
    const t = new ProgressTracker({ rateWindowMs: 1000 });
    t.add({ at: 0, cur: 50 * MiB, end: 100 * MiB });
    const e = t.add({ at: 500, cur: 1 * MiB, end: 20 * MiB });
    expect(e.rate).toBeNull();
  });
});
