// A request libvirt would refuse, and why, in plain words.

/**
 * `invalid`: the request contradicts itself or the domain (nothing to snapshot, memory of a
 * shut-off domain, a bad name, a file that must or must not exist).
 * `unsupported`: it makes sense, but libvirt 9.0 with QEMU cannot do it (mixing internal and
 * external, an internal snapshot of a raw disk, excluding disks from an internal snapshot).
 */
export class Refusal {
  constructor(
    readonly verdict: 'invalid' | 'unsupported',
    readonly reason: string,
  ) {}
}

export const invalid = (reason: string): Refusal => new Refusal('invalid', reason);
export const unsupported = (reason: string): Refusal => new Refusal('unsupported', reason);
