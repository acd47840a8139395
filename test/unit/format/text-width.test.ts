import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { displayWidth, formatTable, padEndTo, padStartTo, truncateTo } from '../../../src/format/text-width.js';
import { formatDomainTable } from '../../../src/commands/list.js';
import { formatJobTable, formatProgress } from '../../../src/commands/job-render.js';

describe('text in terminal columns', () => {
  it('measures wide and combining characters as a terminal draws them', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(padEndTo('日本', 6)).toBe('日本  ');
    expect(padStartTo('ü', 3)).toBe('  ü');
    expect(truncateTo('snapshot-日本語', 11)).toBe('snapshot-…');
    expect(displayWidth(truncateTo('日本語日本語', 7))).toBeLessThanOrEqual(7);
    expect(truncateTo('short', 10)).toBe('short');
  });

  it('aligns table columns by display width, not code points', () => {
    const text = formatTable(['NAME', 'STATE'], [['日本語-vm', 'running'], ['web-01', 'shut off']]);
    const lines = text.trimEnd().split('\n');
    const stateColumn = lines.map((l) => stringWidth(l.slice(0, l.search(/running|shut off|STATE/))));
    expect(new Set(stateColumn).size).toBe(1);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it('virtsnap list aligns a domain named in CJK', () => {
    const row = (name: string, current: string | null) => ({
      name,
      id: null,
      uuid: '',
      state: { state: 'shut off', reason: null },
      persistent: true,
      autostart: false,
      snapshotCount: 1,
      currentSnapshot: current,
    });
    const text = formatDomainTable([row('仮想マシン', '初期'), row('web-01', 'tls-renewal')] as never);
    const lines = text.trimEnd().split('\n');
    const at = (line: string, word: string) => stringWidth(line.slice(0, line.indexOf(word)));
    expect(at(lines[1]!, 'shut off')).toBe(at(lines[2]!, 'shut off'));
    expect(at(lines[1]!, 'persistent')).toBe(at(lines[2]!, 'persistent'));
    expect(at(lines[0]!, 'STATE')).toBe(at(lines[2]!, 'shut off'));
  });

  it('virtsnap jobs aligns its table by display width, and prints progress with the shared bar', () => {
    const job = (domain: string) => ({ domain, disk: 'vda', type: 'commit', ready: false, cur: 1048576, end: 4 * 1048576, bandwidth: 0 });
    const lines = formatJobTable([job('仮想マシン'), job('web-01')] as never).trimEnd().split('\n');
    const at = (line: string) => stringWidth(line.slice(0, line.indexOf('vda') >= 0 ? line.indexOf('vda') : line.indexOf('DISK')));
    expect(at(lines[0]!)).toBe(at(lines[1]!));
    expect(at(lines[1]!)).toBe(at(lines[2]!));
    const event = { domain: 'web-01', disk: 'vda', type: 'pull', phase: 'running', percent: 25, cur: 1048576, end: 4 * 1048576, rate: null, bandwidth: 5, eta: null, converging: false };
    expect(formatProgress(event as never, 8)).toBe('vda pull [##......]  25.00 %  1.0 MiB/4.0 MiB  -- (limit 5 MiB/s)  eta --  running  NOT CONVERGING');
  });
});
