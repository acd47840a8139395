// One name check for create, rename and edit: what libvirt refuses and what would break later.

import { describe, expect, it } from 'vitest';
import { fileNameTooLong, MAX_SNAPSHOT_NAME_BYTES, snapshotNameProblem } from '../../src/engine/snapshot-names.js';

describe('snapshotNameProblem', () => {
  it('accepts odd but valid names', () => {
    for (const name of ['a b', 'x<&>y', "it's", '-x', '--force', 'снимок-1', 'nach Änderung ü', '$HOME;#', 'a.b']) {
      expect(snapshotNameProblem(name)).toBeNull();
    }
  });

  it('refuses empty names, slashes, a leading dot and control characters', () => {
    expect(snapshotNameProblem('')).toMatch(/cannot be empty/);
    expect(snapshotNameProblem('a/b')).toMatch(/can't contain '\/'/);
    expect(snapshotNameProblem('.hidden')).toMatch(/can't start with '\.'/);
    expect(snapshotNameProblem('a\nb')).toMatch(/control character/);
    expect(snapshotNameProblem('tab\there')).toMatch(/control character/);
  });

  it('refuses names whose metadata file name would pass 255 bytes, counting bytes not characters', () => {
    expect(snapshotNameProblem('x'.repeat(MAX_SNAPSHOT_NAME_BYTES))).toBeNull();
    expect(snapshotNameProblem('x'.repeat(MAX_SNAPSHOT_NAME_BYTES + 1))).toMatch(/at most 255 bytes/);
    // 126 two-byte letters: 126 characters, 252 bytes
    expect(snapshotNameProblem('ü'.repeat(126))).toMatch(/252 bytes/);
  });

  it('with --no-metadata only the empty name and control characters are refused (libvirt writes no file)', () => {
    expect(snapshotNameProblem('a/b', { noMetadata: true })).toBeNull();
    expect(snapshotNameProblem('', { noMetadata: true })).toMatch(/empty/);
  });

  it('fileNameTooLong looks at the last path component only', () => {
    expect(fileNameTooLong(`/${'d'.repeat(300)}/short`)).toBe(false);
    expect(fileNameTooLong(`/img/${'f'.repeat(256)}`)).toBe(true);
  });
});
