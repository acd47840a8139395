// `qemu-img convert -p` (and commit, rebase) progress: `    (12.50/100%)` updates separated by
// carriage returns, on stdout, also when stdout is not a terminal.

const PROGRESS = /\((\d+(?:\.\d+)?)\/100%\)/g;

/** Every percentage in a chunk of output, in order (a chunk may hold several updates, or none). */
export function parseQemuImgProgress(chunk: string): number[] {
  return [...chunk.matchAll(PROGRESS)].map((m) => Number(m[1]));
}
