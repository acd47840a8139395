import { renderTableCell } from './table-cell.js';
import { sortByNameLikeVirsh } from './virsh-name-order.js';

const NONE: readonly string[] = [];
const withoutTrailingSpaces = (text: string): string => (text.endsWith(' ') ? text.replace(/ +$/, '') : text);
/** Printable ASCII: shown as itself in both locales, unless it holds a literal `\x`. */
const PRINTS_AS_ITSELF = /^[\x20-\x7e]*$/;

function append(index: Map<string, string[]>, key: string, name: string): void {
  const names = index.get(key);
  if (names) names.push(name);
  else index.set(key, [name]);
}

/**
 * Maps what a vsh-table cell shows back to exact names, given the exact names (from a
 * `--name` listing). A rendering can stand for several names:
 * - in the name column, padding hides trailing spaces (`trail` and `trail `);
 * - under LC_ALL=C every non-ASCII byte shows as `\xff` (`до` and `по`).
 * Table rows come in virsh's name order, so the n-th row showing a given rendering is
 * the n-th name (in that same order) with that rendering: claimRowName relies on being
 * called once per row, in row order.
 */
export class TableNameResolver {
  /** Rendering without trailing spaces → names, in virsh order. */
  private readonly byNameColumnCell = new Map<string, string[]>();
  /** Exact rendering (a last column is not padded) → names, in virsh order. */
  private readonly byLastColumnCell = new Map<string, string[]>();
  private readonly claimed = new Set<string>();

  constructor(knownNames: Iterable<string>) {
    for (const name of new Set(knownNames)) {
      // The table may come from virsh under either locale; index both renderings.
      const renderings = PRINTS_AS_ITSELF.test(name) && !name.includes('\\x') ? [name] : new Set([renderTableCell(name, 'C'), renderTableCell(name, 'UTF-8')]);
      for (const rendering of renderings) {
        append(this.byLastColumnCell, rendering, name);
        append(this.byNameColumnCell, withoutTrailingSpaces(rendering), name);
      }
    }
    // Only names sharing a rendering need virsh's order (a sort of every name cost more than the parse).
    for (const index of [this.byLastColumnCell, this.byNameColumnCell]) {
      for (const [key, names] of index) if (names.length > 1) index.set(key, sortByNameLikeVirsh(names, (known) => known));
    }
  }

  /** Whether a name-column cell (padding removed) could be one of the known names. */
  matchesNameColumnCell(cell: string): boolean {
    return this.byNameColumnCell.has(cell);
  }

  /** The next unclaimed known name shown as this name-column cell, or null. */
  claimRowName(cell: string): string | null {
    const name = this.byNameColumnCell.get(cell)?.find((candidate) => !this.claimed.has(candidate));
    if (name === undefined) return null;
    this.claimed.add(name);
    return name;
  }

  /** Every known name a last-column cell (e.g. Parent) can stand for, in virsh order, but `except`. */
  lastColumnCandidates(cell: string, except?: string): readonly string[] {
    const names = this.byLastColumnCell.get(cell);
    if (names === undefined) return NONE;
    if (names.length === 1) return names[0] === except ? NONE : names;
    return names.filter((name) => name !== except);
  }
}
