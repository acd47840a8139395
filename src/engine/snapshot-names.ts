// The one check of snapshot names, for create, rename and XML edits alike: what libvirt refuses,
// and what would break later (a metadata file name longer than a file name may be, a control
// character that cuts virsh's one-name-per-line listings).

/** libvirt keeps a snapshot's metadata in `<name>.xml`; a file name has at most 255 bytes. */
export const MAX_SNAPSHOT_NAME_BYTES = 255 - '.xml'.length;

/**
 * Why a snapshot name cannot be used, or null when it can. With `noMetadata` (create
 * --no-metadata) libvirt writes no file, so only the empty name and control characters count.
 */
export function snapshotNameProblem(name: string, options: { noMetadata?: boolean } = {}): string | null {
  if (name === '') return 'a snapshot name cannot be empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return `invalid snapshot name ${JSON.stringify(name)}: it contains a control character`;
  if (options.noMetadata) return null;
  if (name.includes('/')) return `invalid snapshot name '${name}': name can't contain '/'`;
  if (name.startsWith('.')) return `invalid snapshot name '${name}': name can't start with '.'`;
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_SNAPSHOT_NAME_BYTES) {
    return `invalid snapshot name: ${bytes} bytes long, and libvirt stores it as the file name ${'<name>.xml'}, which may be at most 255 bytes (the name at most ${MAX_SNAPSHOT_NAME_BYTES})`;
  }
  return null;
}

/** A file name (the last path component) longer than file systems allow. */
export function fileNameTooLong(path: string): boolean {
  return Buffer.byteLength(path.slice(path.lastIndexOf('/') + 1)) > 255;
}
