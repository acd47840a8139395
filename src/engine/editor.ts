// Running the operator's editor on a file, the way virsh does for `snapshot-edit`:
// $VISUAL, then $EDITOR, then vi. A value made only of plain characters and spaces is split
// on spaces and run directly (`code -w` → code, -w, FILE); anything with shell
// metacharacters (quotes, `$`, `;`, `|`, …) is the operator's own shell snippet and runs through
// `sh -c`, with the file passed as "$1" so its path is never re-parsed by the shell.

import { execa, execaSync } from 'execa';

export const DEFAULT_EDITOR = 'vi';

/** virsh's accepted characters (vsh.c, vshEditFile), plus the space, which we split on. */
const PLAIN_EDITOR = /^[A-Za-z0-9\-+_.:@/ ]*$/;

export interface EditorInvocation {
  file: string;
  args: string[];
  /** True when the editor value runs through `sh -c`. */
  viaShell: boolean;
}

/** The editor value from the environment: $VISUAL, then $EDITOR (empty values are unset), then vi. */
export function editorFromEnv(env: NodeJS.ProcessEnv): string {
  const visual = env.VISUAL?.trim();
  if (visual) return visual;
  const editor = env.EDITOR?.trim();
  return editor || DEFAULT_EDITOR;
}

/** How to run `editor` on `path`. */
export function editorInvocation(editor: string, path: string): EditorInvocation {
  const value = editor.trim() || DEFAULT_EDITOR;
  if (PLAIN_EDITOR.test(value)) {
    const [file, ...rest] = value.split(/ +/);
    return { file: file!, args: [...rest, path], viaShell: false };
  }
  return { file: 'sh', args: ['-c', `${value} "$1"`, 'virtsnap-editor', path], viaShell: true };
}

/** Lets a full-screen UI hand the terminal over while the editor runs, and take it back after. */
export interface TerminalHandoff {
  suspend(): void | Promise<void>;
  resume(): void | Promise<void>;
}

export class EditorError extends Error {
  override name = 'EditorError';
  constructor(
    message: string,
    readonly editor: string,
    /** null when the editor could not start or was killed. */
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

export interface RunEditorOptions {
  env?: NodeJS.ProcessEnv;
  /** The editor value; default editorFromEnv(env). */
  editor?: string;
  handoff?: TerminalHandoff;
  /**
   * Block this process while the editor runs. A full-screen UI needs it: while the event
   * loop runs, Node keeps reading the terminal into its own buffer and would take keys meant
   * for the editor; blocked, it reads nothing, and nothing draws over the editor either.
   */
  blocking?: boolean;
}

/**
 * Runs the editor on `path` with the terminal (stdio inherited) and waits for it. The one
 * external process without a timeout: the operator is typing in it, for as long as they like,
 * and it ends when they quit it (a Ctrl-C reaches it through the shared terminal). A non-zero
 * exit is an error, as in virsh: the file may be half-written, so the caller keeps it and asks.
 */
export async function runEditor(path: string, options: RunEditorOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const editor = options.editor ?? editorFromEnv(env);
  const invocation = editorInvocation(editor, path);
  await options.handoff?.suspend();
  try {
    const settings = { stdio: 'inherit', env, extendEnv: false, reject: false } as const;
    const result = options.blocking
      ? execaSync(invocation.file, invocation.args, settings)
      : await execa(invocation.file, invocation.args, settings);
    if (result.exitCode === undefined || result.exitCode === null) {
      const cause = result.signal ? `was killed by ${result.signal}` : `could not be started (${result.shortMessage})`;
      throw new EditorError(`the editor '${editor}' ${cause}`, editor, null);
    }
    if (result.exitCode !== 0) {
      throw new EditorError(`the editor '${editor}' exited with code ${result.exitCode}`, editor, result.exitCode);
    }
  } finally {
    await options.handoff?.resume();
  }
}
