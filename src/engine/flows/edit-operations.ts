// The small edits that need no editor: a snapshot's description, and which snapshot is current.

import type { Host } from '../host.js';
import { virshCommands } from '../virsh/commands.js';
import { VirshCommandError } from '../virsh/errors.js';
import { SnapshotXml } from '../xml/snapshot-xml.js';
import { validateSnapshotXml } from '../xml/validate.js';
import { assertWritable, redefineSnapshot, snapshotXmlForEdit } from './edit-redefine.js';
import { isTestDriver } from './rename-plan.js';

export interface DescriptionEditResult {
  /** False when the description already was the requested one (nothing was sent to libvirt). */
  changed: boolean;
  previous: string | null;
}

/**
 * Sets (or, with null or '', removes) a snapshot's description by redefining it with
 * everything else untouched. The current snapshot stays current; `current` also makes this one current.
 */
export async function editDescription(
  host: Host,
  domain: string,
  snapshot: string,
  description: string | null,
  options: { current?: boolean } = {},
): Promise<DescriptionEditResult> {
  assertWritable(host, domain);
  const [xml, current] = await Promise.all([snapshotXmlForEdit(host, domain, snapshot), host.currentSnapshotName(domain)]);
  const edited = SnapshotXml.parse(xml);
  const previous = edited.description();
  const wanted = description === '' ? null : description;
  if (previous === wanted && !options.current) return { changed: false, previous };
  edited.setDescription(wanted);
  const out = edited.toXml();
  const validation = await validateSnapshotXml(out);
  if (!validation.ok) throw new Error(`the edited XML does not match libvirt's snapshot schema: ${validation.errors.join('; ')}`);
  await redefineSnapshot(host, domain, out, { current: Boolean(options.current) || current === snapshot });
  return { changed: previous !== wanted, previous };
}

/**
 * `snapshot-current DOMAIN NAME`. virsh does this by redefining the snapshot with the
 * disk-only flag when its state is disk-snapshot, a flag the test driver refuses
 * (`unsupported flags (0x10)`); there the same redefine without that flag does it.
 */
export async function setCurrentSnapshot(host: Host, domain: string, snapshot: string): Promise<void> {
  assertWritable(host, domain);
  try {
    await host.run(virshCommands.setCurrentSnapshot(domain, snapshot));
  } catch (error) {
    if (!(error instanceof VirshCommandError && isTestDriver(host.uri) && /unsupported flags \(0x10\)/.test(error.libvirtMessage))) throw error;
    await redefineSnapshot(host, domain, await snapshotXmlForEdit(host, domain, snapshot), { current: true });
  }
}
