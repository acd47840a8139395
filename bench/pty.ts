// A program in a real pseudo-terminal, timed as a person sees it: `script` (util-linux) gives
// the program a PTY of a set size, and every chunk of what it draws arrives here with the time
// it arrived. Frames are told apart by what they show, never by what the program reports.

import { spawn, type ChildProcess } from 'node:child_process';

export interface Chunk {
  /** ms since the program was started */
  at: number;
  text: string;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export class PtyProgram {
  readonly chunks: Chunk[] = [];
  readonly started: number;
  private readonly child: ChildProcess;
  private waiters: (() => void)[] = [];
  exited = false;

  constructor(argv: string[], options: { rows?: number; columns?: number; env?: NodeJS.ProcessEnv } = {}) {
    const rows = options.rows ?? 40;
    const columns = options.columns ?? 120;
    const command = `stty rows ${rows} cols ${columns}; exec ${argv.map(shellQuote).join(' ')}`;
    this.started = performance.now();
    this.child = spawn('script', ['-qfec', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, TERM: 'xterm-256color', ...options.env },
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (text: string) => {
      this.chunks.push({ at: performance.now() - this.started, text });
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.once('exit', () => {
      this.exited = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The PID of `script`; the program is its child. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Everything drawn since chunk `from`. */
  textSince(from: number): string {
    let text = '';
    for (let i = from; i < this.chunks.length; i++) text += this.chunks[i]!.text;
    return text;
  }

  /**
   * Resolves with the time (ms since start) of the chunk that made `test` hold for the text
   * drawn since chunk `from`.
   */
  async waitFor(test: (text: string) => boolean, from = 0, timeoutMs = 20_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let text = '';
    let seen = from;
    for (;;) {
      while (seen < this.chunks.length) {
        text += this.chunks[seen]!.text;
        seen++;
        if (test(text)) return this.chunks[seen - 1]!.at;
      }
      if (this.exited) throw new Error(`the program ended first: ${JSON.stringify(text.slice(-400))}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out; last output: ${JSON.stringify(text.slice(-400))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until nothing has been drawn for `quietMs`. */
  async settle(quietMs = 300, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const last = this.chunks.at(-1)?.at ?? 0;
      const idle = performance.now() - this.started - last;
      if (idle >= quietMs) return;
      if (performance.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, quietMs - idle + 1));
    }
  }

  /**
   * Sends `keys` and returns the ms until the frame they cause has been drawn: the last chunk
   * of the burst of output that follows (chunks less than `gapMs` apart).
   */
  async press(keys: string, gapMs = 8, timeoutMs = 5_000): Promise<number> {
    const from = this.chunks.length;
    const sent = performance.now() - this.started;
    this.child.stdin!.write(keys);
    await this.waitFor((text) => text.length > 0, from, timeoutMs);
    // the rest of the same frame
    for (;;) {
      const lastAt = this.chunks.at(-1)!.at;
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      if (this.chunks.at(-1)!.at === lastAt) return lastAt - sent;
    }
  }

  write(keys: string): void {
    this.child.stdin!.write(keys);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.stdin!.write('q');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await new Promise<void>((resolve) => (this.exited ? resolve() : this.child.once('exit', () => resolve())));
    clearTimeout(timer);
  }
}
