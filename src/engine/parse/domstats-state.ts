import type { DomainState } from '../model.js';
import { domainStateFromCodes } from './domain-state-codes.js';
import { domstatsInteger, parseDomstatsRecords } from './domstats-records.js';
import { ParseError } from './parse-error.js';

/**
 * Parses `virsh -q domstats --state` into domain name → state, with the state and
 * reason texts `virsh domstate --reason` would print for the numeric codes.
 */
export function parseDomStatsState(stdout: string): Map<string, DomainState> {
  const states = new Map<string, DomainState>();
  for (const [name, record] of parseDomstatsRecords(stdout)) {
    const state = domstatsInteger(record, 'state.state');
    if (state === null) throw new ParseError('record without state.state', `Domain: '${name}'`);
    states.set(name, domainStateFromCodes(state, domstatsInteger(record, 'state.reason') ?? 0));
  }
  return states;
}
