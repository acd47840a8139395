// Waiting on a rendered TUI, and the 80×24 check every frame of a TUI test goes through.

import { expect } from 'vitest';

/** Polls `check` until it holds; throws naming `what`, with the last frame when given one. */
export async function until(check: () => boolean, what: string, timeoutMs = 60_000, frame?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${frame ? `; frame:\n${frame()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every frame must fit an 80×24 terminal. */
export function expectFits(frame: string): void {
  const lines = frame.split('\n');
  expect(lines.length, frame).toBeLessThanOrEqual(24);
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
}
