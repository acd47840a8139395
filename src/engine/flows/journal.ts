// The journal: one JSON line per event of every mutating flow, appended to
// $XDG_STATE_HOME/virtsnap/journal.jsonl (default ~/.local/state/virtsnap/) and flushed to disk
// (fsync) before the flow goes on, so that a flow interrupted by anything, SIGKILL and power loss
// included, leaves a true record of what it did.
//
// A flow opens with a `begin` line (its id, host URI, domain, kind, title, the parameters that
// rebuild its steps, and the steps), then the step machine's events, and closes with an `end`
// line. A flow whose last line is not its end is unfinished: the TUI and the CLI report it for
// the host they open, and `virtsnap resume` continues it or rolls it back.
//
// Rotation: past a size limit the file is renamed to journal.1.jsonl (the older one dropped), and
// the lines of flows still unfinished are carried over to the new file, so rotation never loses
// an unfinished flow.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { xdgState } from 'xdg-basedir';
import type { JournalEntry, StepState } from './step-machine.js';

export type FlowEnd = 'done' | 'failed' | 'rolled-back' | 'resolved' | 'stopped';

export interface FlowBegin {
  v: 1;
  id: string;
  at: string;
  event: 'begin';
  uri: string;
  domain: string;
  kind: string;
  title: string;
  /** What rebuilds the flow's steps exactly (the flow kind's own JSON). */
  params: unknown;
  steps: { id: string; title: string; argv: string[][]; creates: string[]; removes: string[]; undo: string | null }[];
}

export interface FlowStepLine extends JournalEntry {
  v: 1;
  id: string;
}

export interface FlowEndLine {
  v: 1;
  id: string;
  at: string;
  event: 'end';
  status: FlowEnd;
  detail: string | null;
}

export type JournalLine = FlowBegin | FlowStepLine | FlowEndLine;

/** One flow as the journal tells it. */
export interface FlowRecord {
  id: string;
  begin: FlowBegin;
  events: FlowStepLine[];
  end: FlowEndLine | null;
  /** Steps recorded done (and not undone since). */
  done: string[];
  /** The step that started and has no recorded end: it may or may not have taken effect. */
  inDoubt: string | null;
  /** The last step that failed, with libvirt's message. */
  failed: { step: string; message: string } | null;
  /** Steps not yet done, in order. */
  remaining: string[];
}

export const DEFAULT_ROTATE_BYTES = 4 * 1024 * 1024;

/** $XDG_STATE_HOME/virtsnap, or ~/.local/state/virtsnap (xdg-basedir applies the spec's rules). */
export function defaultJournalDir(): string {
  return join(xdgState ?? join(homedir(), '.local', 'state'), 'virtsnap');
}

export function newFlowId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export class Journal {
  readonly path: string;

  constructor(
    readonly dir: string = defaultJournalDir(),
    private readonly rotateBytes: number = DEFAULT_ROTATE_BYTES,
  ) {
    this.path = join(dir, 'journal.jsonl');
  }

  /** Appends one line and waits until it is on disk. */
  append(line: JournalLine): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    this.rotateIfNeeded();
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(line)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  begin(fields: Omit<FlowBegin, 'v' | 'at' | 'event' | 'steps'> & { steps: readonly StepState[] }): void {
    this.append({
      v: 1,
      at: new Date().toISOString(),
      event: 'begin',
      ...fields,
      steps: fields.steps.map((s) => ({
        id: s.id,
        title: s.title,
        argv: s.commands.map((c) => [c.program, ...c.args]),
        creates: [...s.creates],
        removes: [...s.removes],
        undo: s.undo?.title ?? null,
      })),
    });
  }

  step(id: string, entry: JournalEntry): void {
    this.append({ v: 1, id, ...entry });
  }

  end(id: string, status: FlowEnd, detail: string | null = null): void {
    this.append({ v: 1, id, at: new Date().toISOString(), event: 'end', status, detail });
  }

  /** Every line of the journal (the rotated file first), skipping lines that do not parse (a torn last write). */
  lines(): JournalLine[] {
    return [...readLines(join(this.dir, 'journal.1.jsonl')), ...readLines(this.path)];
  }

  /** Every flow, oldest first. */
  flows(): FlowRecord[] {
    return groupFlows(this.lines());
  }

  /** Flows whose last line is not their end; only those on `uri` when given. */
  unfinished(uri?: string): FlowRecord[] {
    return this.flows().filter((f) => f.end === null && (uri === undefined || f.begin.uri === uri));
  }

  find(idOrPrefix: string): FlowRecord | null {
    const flows = this.flows();
    return flows.find((f) => f.id === idOrPrefix) ?? (idOrPrefix.length >= 4 ? (flows.filter((f) => f.id.startsWith(idOrPrefix)).length === 1 ? flows.find((f) => f.id.startsWith(idOrPrefix))! : null) : null);
  }

  private rotateIfNeeded(): void {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return;
    }
    if (size < this.rotateBytes) return;
    const lines = readLines(this.path);
    const open = new Set(groupFlows(lines).filter((f) => f.end === null).map((f) => f.id));
    const carried = lines.filter((l) => open.has(l.id)).map((l) => `${JSON.stringify(l)}\n`).join('');
    // Rotating frees nothing when unfinished flows fill the file: keep appending instead.
    if (Buffer.byteLength(carried) > size / 2) return;
    renameSync(this.path, join(this.dir, 'journal.1.jsonl'));
    if (carried === '') return;
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, carried);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function readLines(file: string): JournalLine[] {
  if (!existsSync(file)) return [];
  const out: JournalLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    try {
      const line = JSON.parse(text) as JournalLine;
      if (line && typeof line === 'object' && typeof line.id === 'string') out.push(line);
    } catch {
      // a line cut short by a crash mid-write: the fsync'd lines before it are whole
    }
  }
  return out;
}

/** Lines into flows; lines of a flow whose `begin` is missing (rotated away) are dropped. */
export function groupFlows(lines: readonly JournalLine[]): FlowRecord[] {
  const byId = new Map<string, FlowRecord>();
  for (const line of lines) {
    if (line.event === 'begin') {
      // a carried-over copy of a flow already read from the rotated file starts it again
      byId.set(line.id, { id: line.id, begin: line, events: [], end: null, done: [], inDoubt: null, failed: null, remaining: [] });
      continue;
    }
    const flow = byId.get(line.id);
    if (!flow) continue;
    if (line.event === 'end') {
      flow.end = line;
      continue;
    }
    flow.events.push(line);
  }
  for (const flow of byId.values()) summarise(flow);
  return [...byId.values()].sort((a, b) => a.begin.at.localeCompare(b.begin.at));
}

function summarise(flow: FlowRecord): void {
  const done = new Set<string>();
  let started: string | null = null;
  let failed: FlowRecord['failed'] = null;
  for (const e of flow.events) {
    if (e.step === null) continue;
    if (e.event === 'started') started = e.step;
    else if (e.event === 'done') {
      done.add(e.step);
      if (started === e.step) started = null;
    } else if (e.event === 'failed') {
      failed = { step: e.step, message: e.detail ?? '' };
      // a failure that cannot tell whether the step took effect keeps it in doubt
      if (started === e.step && !e.inDoubt) started = null;
    } else if (e.event === 'skipped') {
      if (started === e.step) started = null;
    } else if (e.event === 'undo-started') {
      // An undo that began and did not end (the process was killed) leaves the step in doubt,
      // as a step that began and did not end does: resume checks on the host whether its
      // effect is there (then rolling back undoes it again, and continuing keeps it), or not
      // (then rolling back goes on below it, and continuing runs it again).
      done.delete(e.step);
      started = e.step;
    } else if (e.event === 'undo-done') {
      done.delete(e.step);
      if (started === e.step) started = null;
    }
  }
  flow.done = flow.begin.steps.map((s) => s.id).filter((id) => done.has(id));
  flow.inDoubt = started;
  flow.failed = failed;
  flow.remaining = flow.begin.steps.map((s) => s.id).filter((id) => !done.has(id));
}
