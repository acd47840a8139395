// A bounded log of every virsh command run on a connection: what ran, how long it took,
// how it ended. The TUI shows it; tests count commands with it.

export type CommandOutcome = 'ok' | 'error' | 'timeout' | 'died' | 'refused';

export interface CommandLogEntry {
  readonly seq: number;
  readonly uri: string;
  readonly args: readonly string[];
  readonly mutates: boolean;
  /** `session` (persistent virsh) or `one-shot` (a virsh process for this command). */
  readonly mode: 'session' | 'one-shot';
  readonly startedAt: number;
  durationMs: number | null;
  outcome: CommandOutcome | 'running';
  /** libvirt's message for anything but `ok`. */
  message: string | null;
  /** Non-fatal stderr lines (libvirt log warnings). */
  warnings: string[];
}

type Listener = (entry: CommandLogEntry) => void;

export class CommandLog {
  private readonly entries: CommandLogEntry[] = [];
  private readonly listeners = new Set<Listener>();
  private nextSeq = 1;
  /** Commands ever logged, including those the ring buffer has dropped. */
  total = 0;

  constructor(private readonly capacity = 1000) {}

  start(init: Omit<CommandLogEntry, 'seq' | 'startedAt' | 'durationMs' | 'outcome' | 'message' | 'warnings'>): CommandLogEntry {
    const entry: CommandLogEntry = {
      ...init,
      seq: this.nextSeq++,
      startedAt: Date.now(),
      durationMs: null,
      outcome: 'running',
      message: null,
      warnings: [],
    };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    this.total++;
    this.emit(entry);
    return entry;
  }

  finish(entry: CommandLogEntry, outcome: CommandOutcome, startedHr: bigint, message: string | null = null, warnings: string[] = []): void {
    entry.durationMs = Number(process.hrtime.bigint() - startedHr) / 1e6;
    entry.outcome = outcome;
    entry.message = message;
    entry.warnings = warnings;
    this.emit(entry);
  }

  list(): readonly CommandLogEntry[] {
    return this.entries;
  }

  /** Entries with seq greater than `afterSeq`: what ran since a mark. */
  since(afterSeq: number): CommandLogEntry[] {
    return this.entries.filter((e) => e.seq > afterSeq);
  }

  lastSeq(): number {
    return this.nextSeq - 1;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(entry: CommandLogEntry): void {
    for (const listener of this.listeners) listener(entry);
  }
}
