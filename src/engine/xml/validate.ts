// Schema validation of snapshot XML with libvirt's own RELAX NG grammar, through xmllint
// (libxml2 is what libvirt validates with, so its verdict is libvirt's verdict).

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseXml, XmlSyntaxError } from './document.js';

export interface SchemaValidation {
  ok: boolean;
  /** xmllint's messages, one per line, without its "validates"/"fails to validate" summary. */
  errors: string[];
}

export interface ValidateOptions {
  /** Path of domainsnapshot.rng; defaults to the copy bundled with virtsnap. */
  schema?: string;
  /** xmllint executable; defaults to `xmllint` on PATH. */
  xmllint?: string;
  /** A hung xmllint is killed after this long (default XMLLINT_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** Loading the large schema and checking a batch takes well under a second; this only stops a hung xmllint. */
export const XMLLINT_TIMEOUT_MS = 30_000;

const BUNDLED_SCHEMA = join('fixtures', 'libvirt-corpus', 'src', 'conf', 'schemas', 'domainsnapshot.rng');

/** Walk up from this module (src/… or dist/src/…) to the folder holding the bundled schema. */
function bundledSchema(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, BUNDLED_SCHEMA);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the bundled ${BUNDLED_SCHEMA}`);
    dir = up;
  }
}

async function runXmllint(options: ValidateOptions, inputs: string[], stdin?: string) {
  const schema = options.schema ?? bundledSchema();
  const program = options.xmllint ?? 'xmllint';
  const timeoutMs = options.timeoutMs ?? XMLLINT_TIMEOUT_MS;
  const result = await execa(program, ['--noout', '--relaxng', schema, ...inputs], {
    input: stdin,
    reject: false,
    timeout: timeoutMs,
  });
  if (result.timedOut) {
    throw new Error(`${program} --noout --relaxng ${schema} did not finish within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} and was killed`);
  }
  if (result.failed && result.exitCode === undefined) {
    throw new Error(`could not run xmllint: ${result.shortMessage}`);
  }
  return { exitCode: result.exitCode, lines: result.stderr.split('\n').filter((line) => line !== '') };
}

/** One document, through xmllint's standard input. */
async function validateOne(xml: string, options: ValidateOptions): Promise<SchemaValidation> {
  const { exitCode, lines } = await runXmllint(options, ['-'], xml);
  const errors = lines.filter((line) => line !== '- validates' && line !== '- fails to validate');
  return { ok: exitCode === 0, errors };
}

/**
 * xmllint checks files in argument order and ends each with a summary line, so the lines
 * before a file's summary are that file's messages. Returns null when the output does not
 * have that shape (xmllint stops early on a document it cannot parse).
 */
function splitReport(lines: string[], files: string[]): SchemaValidation[] | null {
  const results: SchemaValidation[] = [];
  let pending: string[] = [];
  for (const line of lines) {
    const file = files[results.length];
    if (file === undefined) return null;
    if (line === `${file} validates`) {
      results.push({ ok: true, errors: pending });
    } else if (line === `${file} fails to validate` || line === `${file} validation generated an internal error`) {
      results.push({ ok: false, errors: pending });
    } else {
      pending.push(line);
      continue;
    }
    pending = [];
  }
  return results.length === files.length ? results : null;
}

/** Validate many documents with one xmllint run, which loads the large schema only once. */
export async function validateSnapshotXmlBatch(
  documents: readonly string[],
  options: ValidateOptions = {},
): Promise<SchemaValidation[]> {
  // Malformed documents never reach xmllint: they would break the per-file report.
  const results = documents.map((xml): SchemaValidation | null => {
    try {
      parseXml(xml);
      return null;
    } catch (error) {
      if (error instanceof XmlSyntaxError) return { ok: false, errors: [error.message] };
      throw error;
    }
  });
  const toCheck = results.flatMap((result, index) => (result === null ? [index] : []));
  if (toCheck.length === 0) return results as SchemaValidation[];

  const dir = await mkdtemp(join(tmpdir(), 'virtsnap-validate-'));
  try {
    const files = toCheck.map((index) => join(dir, `${index}.xml`));
    await Promise.all(toCheck.map((index, k) => writeFile(files[k] as string, documents[index] as string)));
    const { lines } = await runXmllint(options, files);
    const report =
      splitReport(lines, files) ??
      (await Promise.all(toCheck.map((index) => validateOne(documents[index] as string, options))));
    toCheck.forEach((index, k) => {
      results[index] = report[k] ?? null;
    });
    return results as SchemaValidation[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Validate one `<domainsnapshot>` document against libvirt's domainsnapshot.rng. */
export async function validateSnapshotXml(xml: string, options: ValidateOptions = {}): Promise<SchemaValidation> {
  return validateOne(xml, options);
}
