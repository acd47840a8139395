// Progress of a block job (or anything with a percentage): the bar, the percentage, the bytes
// and the time left, the same in the CLI's lines and the TUI's jobs panel.

/** What a progress line needs of a block job event (a leaf module: no engine import). */
export interface JobProgress {
  disk: string;
  type: string;
  phase: string;
  percent: number;
  cur: number;
  end: number;
  rate: number | null;
  bandwidth: number;
  eta: number | null;
  converging?: boolean | null;
}

const MiB = 1024 * 1024;

/** `12.5 MiB`: job sizes in one unit, so that numbers in a column compare at a glance. */
export const formatMiB = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

export interface BarStyle {
  filled: string;
  empty: string;
  /** Around the bar, e.g. `[` and `]`. */
  open?: string;
  close?: string;
}

/** Plain characters, for logs and terminals without block glyphs. */
export const ASCII_BAR: BarStyle = { filled: '#', empty: '.', open: '[', close: ']' };
/** Block glyphs, for the TUI. */
export const BLOCK_BAR: BarStyle = { filled: '█', empty: '░' };

/** A bar `width` cells wide, filled to `percent` (clamped to 0–100). */
export function progressBar(percent: number, width: number, style: BarStyle = ASCII_BAR): string {
  const share = Math.max(0, Math.min(100, Number.isFinite(percent) ? percent : 0)) / 100;
  const filled = Math.round(share * width);
  return `${style.open ?? ''}${style.filled.repeat(filled)}${style.empty.repeat(width - filled)}${style.close ?? ''}`;
}

/** `42s`, `3m07s`, `1h02m`; `--` when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `45.20 %`, right-aligned in 8 columns. */
export const formatPercent = (percent: number, digits = 2) => `${percent.toFixed(digits).padStart(4 + digits)} %`;

/** `cur/end MiB`, the rate, the bandwidth limit and the time left of a job. */
export function jobAmounts(event: Pick<JobProgress, 'cur' | 'end' | 'rate' | 'bandwidth' | 'eta'>): string {
  const rate = event.rate !== null ? `${formatMiB(event.rate)}/s` : '--';
  const limit = event.bandwidth > 0 ? ` (limit ${event.bandwidth} MiB/s)` : '';
  return `${formatMiB(event.cur)}/${formatMiB(event.end)}  ${rate}${limit}  eta ${formatDuration(event.eta)}`;
}

/** One line per job event, for a terminal (rewritten in place) or a log. */
export function formatProgressLine(event: JobProgress, width = 24, style: BarStyle = ASCII_BAR): string {
  const note = event.converging === false ? '  NOT CONVERGING' : '';
  return `${event.disk} ${event.type} ${progressBar(event.percent, width, style)} ${formatPercent(event.percent)}  ${jobAmounts(event)}  ${event.phase}${note}`;
}
