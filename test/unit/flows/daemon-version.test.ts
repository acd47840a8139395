import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  formatVersion,
  parseDaemonVersion,
  revertsExternalNatively,
} from '../../../src/engine/daemon-version.js';

// `virsh -c qemu:///system?socket=… version --daemon` on the lab (libvirt 9.0, bookworm), verbatim.
const LAB_9_0 = `Compiled against library: libvirt 9.0.0
Using library: libvirt 9.0.0
Using API: QEMU 9.0.0
Running hypervisor: QEMU 7.2.22
Running against daemon: 9.0.0

`;

// The same command without --daemon: no daemon line at all.
const WITHOUT_DAEMON_FLAG = `Compiled against library: libvirt 9.0.0
Using library: libvirt 9.0.0
Using API: QEMU 9.0.0
Running hypervisor: QEMU 7.2.22

`;

// A 9.0 client talking to a newer daemon: the client lines say 9.0, only the daemon line counts.
const OLD_CLIENT_NEW_DAEMON = `Compiled against library: libvirt 9.0.0
Using library: libvirt 9.0.0
Using API: QEMU 9.0.0
Running hypervisor: QEMU 10.0.2
Running against daemon: 11.3.0
`;

// A new client talking to an old daemon: the library is new, the daemon decides.
const NEW_CLIENT_OLD_DAEMON = `Compiled against library: libvirt 11.3.0
Using library: libvirt 11.3.0
Using API: QEMU 11.3.0
Running hypervisor: QEMU 7.2.22
Running against daemon: 9.0.0
`;

describe('daemon version', () => {
  it('reads the daemon line of real virsh output', () => {
    expect(parseDaemonVersion(LAB_9_0)).toEqual({ major: 9, minor: 0, micro: 0 });
  });

  it('is unknown without the daemon line, and never falls back to the library', () => {
    expect(parseDaemonVersion(WITHOUT_DAEMON_FLAG)).toBeNull();
    expect(revertsExternalNatively(parseDaemonVersion(WITHOUT_DAEMON_FLAG))).toBe(false);
  });

  it('decides native external revert by the daemon, not by the client library', () => {
    expect(revertsExternalNatively(parseDaemonVersion(OLD_CLIENT_NEW_DAEMON))).toBe(true);
    expect(revertsExternalNatively(parseDaemonVersion(NEW_CLIENT_OLD_DAEMON))).toBe(false);
    expect(revertsExternalNatively(parseDaemonVersion(LAB_9_0))).toBe(false);
  });

  it('needs 9.9.0 or later', () => {
    expect(revertsExternalNatively({ major: 9, minor: 8, micro: 9 })).toBe(false);
    expect(revertsExternalNatively({ major: 9, minor: 9, micro: 0 })).toBe(true);
    expect(revertsExternalNatively({ major: 10, minor: 0, micro: 0 })).toBe(true);
    expect(compareVersions({ major: 9, minor: 10, micro: 0 }, { major: 9, minor: 9, micro: 5 })).toBeGreaterThan(0);
    expect(formatVersion({ major: 11, minor: 3, micro: 0 })).toBe('11.3.0');
  });
});
