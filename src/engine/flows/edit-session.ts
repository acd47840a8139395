// Editing a snapshot's whole XML, safely: the XML is written to a file, the operator edits it,
// and the result is checked (well-formed, a <domainsnapshot> of the same name, valid against
// libvirt's schema) before it is redefined. Whatever goes wrong, the operator's text stays in
// the session and in the file until they accept a result or discard it, so nothing typed is
// ever lost. UI-agnostic: the CLI drives it with runEditLoop, the TUI step by step.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Host } from '../host.js';
import { virshCommands } from '../virsh/commands.js';
import { VirshCommandError } from '../virsh/errors.js';
import { XmlSyntaxError } from '../xml/document.js';
import { InvalidSnapshotXmlError, SnapshotXml } from '../xml/snapshot-xml.js';
import { validateSnapshotXml } from '../xml/validate.js';
import { assertWritable, makeWorkDir, safeFileName, snapshotXmlForEdit } from './edit-redefine.js';
import { plannedVirsh, type PlannedCommand } from './step-machine.js';

export type EditProblem =
  /** Not well-formed XML; line and column are 1-based. */
  | { kind: 'malformed'; message: string; line: number | null; column: number | null }
  /** Well-formed, but not a snapshot libvirt could read (wrong root element, bad mode…). */
  | { kind: 'not-a-snapshot'; message: string }
  /** The <name> was changed: a redefine would create a second snapshot, so renames go through rename. */
  | { kind: 'renamed'; message: string }
  /** libvirt's RELAX NG schema rejects it (xmllint's messages). */
  | { kind: 'schema'; message: string; errors: string[] }
  /** libvirt refused the redefine: its own message. */
  | { kind: 'rejected'; message: string }
  /** The editor could not run or exited with an error. */
  | { kind: 'editor-failed'; message: string };

export type EditCheck = { ok: true; unchanged: boolean; xml: string } | { ok: false; problem: EditProblem };

export type ApplyResult = { ok: true; unchanged: boolean } | { ok: false; problem: EditProblem };

export type EditSessionStatus = 'editing' | 'applied' | 'discarded';

export interface OpenEditOptions {
  /** Folder for the file being edited; default a new private temporary folder. */
  workDir?: string;
}

export class SnapshotEditSession {
  private status_: EditSessionStatus = 'editing';
  private ownsDir: boolean;

  private constructor(
    private readonly host: Host,
    readonly domain: string,
    readonly snapshot: string,
    /** The XML as libvirt gave it. */
    readonly original: string,
    /** The file the editor works on; it always holds the latest text. */
    readonly file: string,
    private readonly dir: string,
    ownsDir: boolean,
    /** Whether the snapshot was the current one when the session opened. */
    readonly wasCurrent: boolean,
    private text_: string,
  ) {
    this.ownsDir = ownsDir;
  }

  static async open(host: Host, domain: string, snapshot: string, options: OpenEditOptions = {}): Promise<SnapshotEditSession> {
    assertWritable(host, domain);
    const [xml, current] = await Promise.all([snapshotXmlForEdit(host, domain, snapshot), host.currentSnapshotName(domain)]);
    const dir = options.workDir ?? (await makeWorkDir('edit'));
    const file = join(dir, safeFileName(domain, snapshot));
    await writeFile(file, xml);
    return new SnapshotEditSession(host, domain, snapshot, xml, file, dir, options.workDir === undefined, current === snapshot, xml);
  }

  get status(): EditSessionStatus {
    return this.status_;
  }

  /** The latest text: the operator's, once they have edited. */
  get text(): string {
    return this.text_;
  }

  /** Replaces the text (an inline editor, a test) and writes it to the file. */
  async setText(text: string): Promise<void> {
    this.assertEditing();
    this.text_ = text;
    await writeFile(this.file, text);
  }

  /** Reads the file back after an external editor has changed it. */
  async reload(): Promise<string> {
    this.assertEditing();
    this.text_ = await readFile(this.file, 'utf8');
    return this.text_;
  }

  /** Runs `editor` on the file, reads the result back and checks it. The file is kept either way. */
  async edit(editor: (file: string) => Promise<void>): Promise<EditCheck> {
    this.assertEditing();
    try {
      await editor(this.file);
    } catch (error) {
      await this.reload();
      return { ok: false, problem: { kind: 'editor-failed', message: error instanceof Error ? error.message : String(error) } };
    }
    await this.reload();
    return this.check();
  }

  /** Is the current text something to redefine? */
  async check(): Promise<EditCheck> {
    const text = this.text_;
    if (text === this.original) return { ok: true, unchanged: true, xml: text };
    let edited: SnapshotXml;
    try {
      edited = SnapshotXml.parse(text);
      edited.detail();
    } catch (error) {
      if (error instanceof XmlSyntaxError) {
        return { ok: false, problem: { kind: 'malformed', message: error.message, line: error.line, column: error.column } };
      }
      if (error instanceof InvalidSnapshotXmlError) return { ok: false, problem: { kind: 'not-a-snapshot', message: error.message } };
      throw error;
    }
    const name = edited.name();
    if (name !== this.snapshot) {
      return {
        ok: false,
        problem: {
          kind: 'renamed',
          message: `the <name> was changed from '${this.snapshot}' to '${name ?? ''}': a redefine would create a second snapshot; put the name back and rename with \`virtsnap edit DOMAIN SNAPSHOT --rename NEW\``,
        },
      };
    }
    const validation = await validateSnapshotXml(text);
    if (!validation.ok) {
      return {
        ok: false,
        problem: { kind: 'schema', message: "the XML does not match libvirt's snapshot schema", errors: validation.errors },
      };
    }
    return { ok: true, unchanged: false, xml: text };
  }

  /** What apply() will run. */
  plan(options: { current?: boolean } = {}): PlannedCommand[] {
    return [plannedVirsh(virshCommands.createSnapshotFromFile(this.domain, this.file, { redefine: true, current: this.currentFlag(options) }))];
  }

  /**
   * Checks and redefines. On success the file is removed and the session ends; on any
   * problem the text and file stay, for a re-edit or a discard.
   */
  async apply(options: { current?: boolean } = {}): Promise<ApplyResult> {
    this.assertEditing();
    const checked = await this.check();
    if (!checked.ok) return checked;
    if (checked.unchanged && !options.current) {
      await this.finish('applied');
      return { ok: true, unchanged: true };
    }
    const command = virshCommands.createSnapshotFromFile(this.domain, this.file, { redefine: true, current: this.currentFlag(options) });
    try {
      await this.host.run(command);
    } catch (error) {
      if (error instanceof VirshCommandError) return { ok: false, problem: { kind: 'rejected', message: error.libvirtMessage } };
      throw error;
    }
    await this.finish('applied');
    return { ok: true, unchanged: checked.unchanged };
  }

  /** Forgets the edit: removes the file (and the folder, when the session made it). */
  async discard(): Promise<void> {
    if (this.status_ !== 'editing') return;
    await this.finish('discarded');
  }

  /** The current snapshot stays current through a redefine; --current also makes another one current. */
  private currentFlag(options: { current?: boolean }): boolean {
    return Boolean(options.current) || this.wasCurrent;
  }

  private async finish(status: EditSessionStatus): Promise<void> {
    this.status_ = status;
    await rm(this.ownsDir ? this.dir : this.file, { recursive: true, force: true });
  }

  private assertEditing(): void {
    if (this.status_ !== 'editing') throw new Error(`the edit of ${this.snapshot} is already ${this.status_}`);
  }
}

/** What the operator chose after a problem: edit again (text kept), drop it, or stop and keep the file. */
export type ProblemDecision = 're-edit' | 'discard' | 'keep';

export type EditLoopOutcome =
  | { kind: 'applied'; unchanged: boolean }
  | { kind: 'discarded'; problem: EditProblem | null }
  /** Stopped on a problem with the text left in `file` for the operator. */
  | { kind: 'kept'; problem: EditProblem; file: string };

export interface EditLoopOptions {
  editor: (file: string) => Promise<void>;
  /** Asked after every problem; the text is still in the file whatever is answered. */
  decide: (problem: EditProblem, session: SnapshotEditSession) => Promise<ProblemDecision>;
  current?: boolean;
}

/** Edit → check → redefine until it is accepted, discarded or kept aside. */
export async function runEditLoop(session: SnapshotEditSession, options: EditLoopOptions): Promise<EditLoopOutcome> {
  for (;;) {
    const edited = await session.edit(options.editor);
    const result: ApplyResult = edited.ok ? await session.apply({ current: options.current }) : edited;
    if (result.ok) return { kind: 'applied', unchanged: result.unchanged };
    const decision = await options.decide(result.problem, session);
    if (decision === 'discard') {
      await session.discard();
      return { kind: 'discarded', problem: result.problem };
    }
    if (decision === 'keep') return { kind: 'kept', problem: result.problem, file: session.file };
  }
}

/** One paragraph for an operator: what is wrong, where. */
export function describeProblem(problem: EditProblem): string {
  if (problem.kind === 'schema') return [problem.message, ...problem.errors.map((e) => `  ${e}`)].join('\n');
  if (problem.kind === 'rejected') return `libvirt refused the snapshot: ${problem.message}`;
  return problem.message;
}
