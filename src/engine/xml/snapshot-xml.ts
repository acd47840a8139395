// Reading, editing and writing libvirt <domainsnapshot> XML.

export { InvalidSnapshotXmlError } from './snapshot-error.js';
export { readSnapshot, readSnapshotDoc } from './snapshot-read.js';
export { SnapshotXml } from './snapshot-edit.js';
export {
  buildSnapshotXml,
  type SnapshotDiskInput,
  type SnapshotMemorySpec,
  type SnapshotSpec,
} from './snapshot-build.js';
export { SNAPSHOT_ELEMENT_ORDER } from './snapshot-format.js';
