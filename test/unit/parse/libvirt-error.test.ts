import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLibvirtError } from '../../../src/engine/parse/libvirt-error.js';

const fixture = (path: string): string => readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8');
const stderrOf = (name: string): string => fixture(`outputs/err.${name}.stderr.txt`);

describe('parseLibvirtError on captured test-driver stderr', () => {
  it.each([
    ['no-domain', 'no-domain', "failed to get domain 'nosuch'"],
    ['no-snapshot', 'no-snapshot', "Domain snapshot not found: no domain snapshot with matching name 'nope'"],
    ['no-current-snapshot', 'no-current-snapshot', "domain 'test' has no current snapshot"],
    ['read-only', 'read-only', 'operation forbidden: read only access prevents virDomainSnapshotCreateXML'],
    ['already-exists', 'already-exists', 'operation failed: domain moment s1 already exists'],
    ['unsupported-flags', 'unsupported', 'unsupported flags (0x10) in function testDomainSnapshotCreateXML'],
    ['no-support-blockjob', 'unsupported', 'this function is not supported by the connection driver: virDomainGetBlockJobInfo'],
    ['no-support-domjobinfo', 'unsupported', 'this function is not supported by the connection driver: virDomainGetJobInfo'],
    [
      'unsupported-config',
      'unsupported',
      "unsupported configuration: source for disk 'vda' is not a regular file; refusing to generate external snapshot name",
    ],
    ['unknown-option', 'invalid-argument', "command 'snapshot-dumpxml' doesn't support option --no-domain"],
    ['no-parent', 'other', "snapshot 's1' has no parent"],
  ] as const)('%s', (file, code, message) => {
    expect(parseLibvirtError(stderrOf(file))).toEqual({ code, errorLines: [message], message, warnings: [] });
  });

  it('classifies by the specific message after virsh context', () => {
    expect(parseLibvirtError(stderrOf('read-only-destroy'))).toEqual({
      code: 'read-only',
      errorLines: ["Failed to destroy domain 'test'", 'operation forbidden: read only access prevents virDomainDestroy'],
      message: "Failed to destroy domain 'test'\noperation forbidden: read only access prevents virDomainDestroy",
      warnings: [],
    });
  });

  it('falls back to the context message when the detail is not recognisable', () => {
    expect(parseLibvirtError(stderrOf('connect-bad-file'))).toEqual({
      code: 'connection',
      errorLines: ['failed to connect to the hypervisor', "XML error: failed to parse xml document '/nonexistent-virtsnap.xml'"],
      message: "failed to connect to the hypervisor\nXML error: failed to parse xml document '/nonexistent-virtsnap.xml'",
      warnings: ['I/O warning : failed to load external entity "/nonexistent-virtsnap.xml"'],
    });
  });

  it('separates libvirt log lines from the errorLines', () => {
    const parsed = parseLibvirtError(stderrOf('snapshot-lacks-domain'));
    expect(parsed.code).toBe('other');
    expect(parsed.errorLines).toEqual([
      'Failed to revert snapshot base',
      "revert requires force: snapshot 'base' lacks domain 'old' rollback info",
    ]);
    expect(parsed.warnings).toHaveLength(3);
    expect(parsed.warnings[2]).toMatch(/: warning : virDomainSnapshotDefParse:\d+ : parsing older snapshot that lacks domain$/);

    const redefine = parseLibvirtError(stderrOf('invalid-argument'));
    expect(redefine).toMatchObject({ code: 'invalid-argument', errorLines: ['invalid argument: parent missing for moment orphan not found'] });
    expect(redefine.warnings).toHaveLength(3);
  });
});

describe('parseLibvirtError on errorLines of the lab notes and command log', () => {
  it.each([
    ['error: Operation not supported: disk \'vda\' already in active block job\n', 'block-job-active'],
    ["error: Domain not found: no domain with matching uuid '11111111-2222-3333-4444-555555555555' (web 1)\n", 'no-domain'],
    ['error: failed to connect to the hypervisor\nerror: Failed to connect socket to \'/var/run/libvirt/libvirt-sock\': No such file or directory\n', 'connection'],
    ['error: End of file while reading data: Input/output error\n', 'connection'],
    ['error: no valid connection\n', 'connection'],
    ['error: Operation not supported: live snapshot creation is supported only during full system snapshots\n', 'unsupported'],
    ['error: argument unsupported: QEMU guest agent is not configured\n', 'unsupported'],
    ["error: Failed to revert snapshot m1\nerror: unsupported configuration: revert to external snapshot not supported yet\n", 'unsupported'],
    ["error: Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE'\n", 'invalid-argument'],
    ['error: Failed to delete snapshot m2\nerror: invalid argument: could not find base disk source in disk source chain\n', 'invalid-argument'],
    ['error: --snapshotname or --current is required\n', 'invalid-argument'],
    ['error: operation failed: domain moment s1 already exists\n', 'already-exists'],
    ["error: invalid snapshot name 'a/b': name can't contain '/'\n", 'other'],
    ['error: Failed to undefine domain \'memhog\'\nerror: Requested operation is not valid: cannot delete inactive domain with 3 snapshots\n', 'other'],
    ['error: internal error: missing creationTime from existing snapshot\n', 'other'],
  ] as const)('%s', (stderr, code) => {
    expect(parseLibvirtError(stderr).code).toBe(code);
  });

  it('reads the messages of a libvirt 11.3 run', () => {
    const run = fixture('samples/libvirt-11.3-backports-run.txt');
    const start = run.indexOf('error: Failed to delete snapshot x1-renamed');
    expect(parseLibvirtError(run.slice(start, run.indexOf('# rc=', start)))).toEqual({
      code: 'unsupported',
      errorLines: [
        'Failed to delete snapshot x1-renamed',
        'unsupported configuration: deletion of external disk snapshots with children not supported',
      ],
      message:
        'Failed to delete snapshot x1-renamed\nunsupported configuration: deletion of external disk snapshots with children not supported',
      warnings: [],
    });
  });

  it('keeps a multi-line message together', () => {
    const stderr =
      "error: Failed to start domain 'demo'\nerror: internal error: process exited while connecting to monitor: qemu: -drive x: Could not open\nqemu: second line\n";
    expect(parseLibvirtError(stderr).errorLines).toEqual([
      "Failed to start domain 'demo'",
      'internal error: process exited while connecting to monitor: qemu: -drive x: Could not open\nqemu: second line',
    ]);
  });

  it('drops block job meters that share stderr', () => {
    expect(parseLibvirtError('\rBlock commit: [  3 %]\rBlock commit: [ 10 %]error: Commit failed\n')).toMatchObject({
      errorLines: ['Commit failed'],
      warnings: [],
    });
  });

  it('reports no message for empty stderr', () => {
    expect(parseLibvirtError('')).toEqual({ code: 'other', errorLines: [], message: '', warnings: [] });
  });
});
