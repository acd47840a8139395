// Reading images directly with qemu-img: the independent view of a disk's backing chain
// and of the internal snapshots stored in each layer. Only meaningful for local files.

import { execa } from 'execa';
import type { ImageInfo } from './model.js';
import { parseQemuImgInfoChain } from './parse/index.js';

export class QemuImgError extends Error {
  override name = 'QemuImgError';
}

/**
 * The whole chain below `path`, top first. `-U` (no lock) because the image is usually
 * open by a running QEMU.
 */
export async function imageChain(path: string): Promise<ImageInfo[]> {
  const result = await execa('qemu-img', ['info', '-U', '--backing-chain', '--output=json', path], {
    reject: false,
    env: { LC_ALL: 'C' },
    stdin: 'ignore',
  });
  if (result.failed) {
    const reason = result.code === 'ENOENT' ? 'qemu-img is not installed (package qemu-utils)' : String(result.stderr).trim();
    throw new QemuImgError(`qemu-img info ${path}: ${reason}`);
  }
  return parseQemuImgInfoChain(String(result.stdout));
}
