import type { DomainState } from '../model.js';
import { isDomainStateName } from './domain-state-codes.js';
import { ParseError } from './parse-error.js';

const STATE_AND_REASON = /^(.*?)(?: \((.*)\))?$/;

/**
 * Parses `virsh domstate DOM [--reason]`: `running (booted)`, `shut off (from snapshot)`,
 * or just `running`. `unknown` (what virsh prints for reason 0) becomes null.
 */
export function parseDomState(stdout: string): DomainState {
  const line = stdout.replace(/\n+$/, '');
  const match = STATE_AND_REASON.exec(line);
  const state = match?.[1] ?? '';
  if (!isDomainStateName(state)) throw new ParseError('unknown domain state', line);
  const reason = match?.[2];
  return { state, reason: reason === undefined || reason === 'unknown' ? null : reason };
}
