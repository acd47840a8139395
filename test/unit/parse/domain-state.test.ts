import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { domainStateFromCodes } from '../../../src/engine/parse/domain-state-codes.js';
import { parseDomState } from '../../../src/engine/parse/domstate.js';
import { parseDomStatsState } from '../../../src/engine/parse/domstats-state.js';
import { ParseError } from '../../../src/engine/parse/parse-error.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');

describe('parseDomStatsState', () => {
  it('reads every record, with names holding quotes and spaces', () => {
    // Records come in libvirt's hash order, which varies between runs.
    const states = parseDomStatsState(fixture('outputs/multi.domstats-state.txt'));
    expect(Object.fromEntries(states)).toEqual({
      'paused one': { state: 'paused', reason: null },
      web: { state: 'running', reason: null },
      "it's a vm": { state: 'shut off', reason: null },
    });
  });

  it('agrees with domstate --reason taken in the same state', () => {
    const states = parseDomStatsState(fixture('outputs/multi.moved.domstats-state.txt'));
    expect(states.get('web')).toEqual({ state: 'shut off', reason: 'destroyed' });
    expect(states.get("it's a vm")).toEqual({ state: 'running', reason: 'booted' });
    expect(states.get('paused one')).toEqual({ state: 'running', reason: 'unpaused' });
    expect(parseDomState(fixture('outputs/multi.moved.domstate-reason-web.txt'))).toEqual(states.get('web'));
    expect(parseDomState(fixture('outputs/multi.moved.domstate-reason-quoted.txt'))).toEqual(states.get("it's a vm"));
    expect(parseDomState(fixture('outputs/multi.moved.domstate-reason-paused-one.txt'))).toEqual(states.get('paused one'));
  });

  it('reads empty output as no domains', () => {
    expect(parseDomStatsState('').size).toBe(0);
  });

  it('rejects a stray line', () => {
    expect(() => parseDomStatsState("Domain: 'web'\nstate.state=1\n")).toThrow(ParseError);
  });
});

describe('domainStateFromCodes', () => {
  it('uses virsh texts for every reason enum', () => {
    expect(domainStateFromCodes(1, 4)).toEqual({ state: 'running', reason: 'from snapshot' });
    expect(domainStateFromCodes(1, 11)).toEqual({ state: 'running', reason: 'post-copy failed' });
    expect(domainStateFromCodes(2, 0)).toEqual({ state: 'idle', reason: null });
    expect(domainStateFromCodes(3, 3)).toEqual({ state: 'paused', reason: 'saving' });
    expect(domainStateFromCodes(3, 5)).toEqual({ state: 'paused', reason: 'I/O error' });
    expect(domainStateFromCodes(3, 9)).toEqual({ state: 'paused', reason: 'creating snapshot' });
    expect(domainStateFromCodes(3, 14)).toEqual({ state: 'paused', reason: 'api error' });
    expect(domainStateFromCodes(4, 1)).toEqual({ state: 'in shutdown', reason: 'user' });
    expect(domainStateFromCodes(5, 6)).toEqual({ state: 'shut off', reason: 'failed' });
    expect(domainStateFromCodes(5, 7)).toEqual({ state: 'shut off', reason: 'from snapshot' });
    expect(domainStateFromCodes(5, 8)).toEqual({ state: 'shut off', reason: 'daemon' });
    expect(domainStateFromCodes(6, 1)).toEqual({ state: 'crashed', reason: 'panicked' });
    expect(domainStateFromCodes(7, 0)).toEqual({ state: 'pmsuspended', reason: null });
  });

  it('reads unknown codes the way virsh prints them', () => {
    expect(domainStateFromCodes(5, 99)).toEqual({ state: 'shut off', reason: null });
    expect(domainStateFromCodes(42, 1)).toEqual({ state: 'no state', reason: null });
  });
});

describe('parseDomState (domstate --reason)', () => {
  it('reads the captured outputs', () => {
    expect(parseDomState(fixture('outputs/multi.domstate-reason-paused-one.txt'))).toEqual({ state: 'paused', reason: null });
    expect(parseDomState(fixture('outputs/multi.revert.domstate-reason.txt'))).toEqual({
      state: 'paused',
      reason: 'from snapshot',
    });
  });

  it('reads the texts of the lab notes and the command log', () => {
    expect(parseDomState('running (booted)\n')).toEqual({ state: 'running', reason: 'booted' });
    expect(parseDomState('running (unpaused)\n')).toEqual({ state: 'running', reason: 'unpaused' });
    expect(parseDomState('paused (creating snapshot)\n')).toEqual({ state: 'paused', reason: 'creating snapshot' });
    expect(parseDomState('paused (saving)\n')).toEqual({ state: 'paused', reason: 'saving' });
    expect(parseDomState('shut off (from snapshot)\n')).toEqual({ state: 'shut off', reason: 'from snapshot' });
    expect(parseDomState('shut off (failed)\n\n')).toEqual({ state: 'shut off', reason: 'failed' });
  });

  it('reads domstate without --reason', () => {
    expect(parseDomState('in shutdown\n')).toEqual({ state: 'in shutdown', reason: null });
  });

  it('rejects an unknown state', () => {
    expect(() => parseDomState('sleeping (tired)\n')).toThrow(ParseError);
  });
});
