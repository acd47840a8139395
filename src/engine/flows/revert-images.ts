// The image files a revert reads and creates, through qemu-img on this machine: the internal
// snapshot tags an image holds, whether an image exists and in which format, and the new qcow2
// overlays of a guided revert. Only meaningful for local files (the caller checks the URI).

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import type { HostFiles } from '../host-files.js';
import type { PlannedCommand } from './step-machine.js';

const QEMU_IMG_TIMEOUT_MS = 30_000;

export class ImageReadError extends Error {
  override name = 'ImageReadError';
}

export interface ImageFacts {
  format: string;
  /** Internal snapshot tags stored in this image (not in its backing files). */
  tags: string[];
  /** The backing file as qemu-img resolves it; null for a base image. */
  backing: string | null;
}

/** `qemu-img info -U --output=json` (no lock: a running QEMU may hold the image). */
export async function readImage(path: string, files?: HostFiles): Promise<ImageFacts> {
  // On a remote host qemu-img runs there, over SSH.
  const result = files
    ? await files.qemuImg(['info', '-U', '--output=json', path], { timeoutMs: QEMU_IMG_TIMEOUT_MS }).then((r) => {
        if (r.notRun) throw new ImageReadError(`qemu-img info ${path}: ${r.notRun}`);
        return { ...r, code: undefined };
      })
    : await execa('qemu-img', ['info', '-U', '--output=json', path], {
        reject: false,
        timeout: QEMU_IMG_TIMEOUT_MS,
        env: { LC_ALL: 'C' },
        stdin: 'ignore',
      });
  if (result.failed) {
    const reason = result.code === 'ENOENT' ? 'qemu-img is not installed (package qemu-utils)' : String(result.stderr).trim() || (result.timedOut ? 'timed out' : 'failed');
    throw new ImageReadError(`qemu-img info ${path}: ${reason}`);
  }
  const info = JSON.parse(String(result.stdout)) as {
    format: string;
    snapshots?: { name: string }[];
    'full-backing-filename'?: string;
    'backing-filename'?: string;
  };
  return {
    format: info.format,
    tags: (info.snapshots ?? []).map((s) => s.name),
    backing: info['full-backing-filename'] ?? info['backing-filename'] ?? null,
  };
}

/** The command that creates a new, empty qcow2 overlay on top of `base`. */
export function overlayCommand(base: string, baseFormat: string, file: string): PlannedCommand {
  return { program: 'qemu-img', args: ['create', '-f', 'qcow2', '-F', baseFormat, '-b', base, file], mutates: true };
}

/** Creates the overlay; refuses to touch a file that exists (qemu-img would overwrite it). */
export async function createOverlay(base: string, baseFormat: string, file: string, files?: HostFiles): Promise<void> {
  const command = overlayCommand(base, baseFormat, file);
  if (files) {
    // where the images are (this machine or over SSH): unknown existence counts as existing
    if ((await files.probe([file])).get(file)?.exists !== false) throw new Error(`${file} exists already (or cannot be checked on ${files.where}); it is not overwritten`);
    const created = await files.qemuImg(command.args, { timeoutMs: QEMU_IMG_TIMEOUT_MS });
    if (created.failed) throw new Error(`qemu-img create ${file} on ${files.where}: ${created.notRun ?? (created.stderr.trim() || (created.timedOut ? 'timed out' : 'failed'))}`);
    return;
  }
  if (existsSync(file)) throw new Error(`${file} exists already; it is not overwritten`);
  const result = await execa(command.program, [...command.args], {
    reject: false,
    timeout: QEMU_IMG_TIMEOUT_MS,
    env: { LC_ALL: 'C' },
    stdin: 'ignore',
  });
  if (result.failed) {
    throw new Error(`qemu-img create ${file}: ${String(result.stderr).trim() || (result.timedOut ? 'timed out' : 'failed')}`);
  }
}
