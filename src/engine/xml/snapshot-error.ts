/** Well-formed XML that is not a `<domainsnapshot>` libvirt would accept, or a spec that cannot become one. */
export class InvalidSnapshotXmlError extends Error {
  override readonly name = 'InvalidSnapshotXmlError';

  constructor(reason: string) {
    super(`Invalid snapshot XML: ${reason}`);
  }
}
