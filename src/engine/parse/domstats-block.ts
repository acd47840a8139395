import { domstatsInteger, parseDomstatsRecords } from './domstats-records.js';

/** One `block.N.*` group of `domstats --block --backing`: a disk or a layer of its chain. */
export interface BlockStats {
  /** N in `block.N.*`. */
  index: number;
  /** Target (`vda`); every layer of a disk's chain repeats it. */
  name: string;
  path: string | null;
  /** libvirt's index of this layer (usable as `vda[N]`); null when not reported. */
  backingIndex: number | null;
  allocation: number | null;
  capacity: number | null;
  physical: number | null;
}

const BLOCK_KEY = /^block\.(\d+)\.name$/;

/**
 * Parses `virsh -q domstats [DOM] --block --backing` into domain name → block groups in
 * N order (with `--backing`, a disk's chain layers follow the disk, top first).
 */
export function parseDomstatsBlock(stdout: string): Map<string, BlockStats[]> {
  const result = new Map<string, BlockStats[]>();
  for (const [domain, record] of parseDomstatsRecords(stdout)) {
    const indexes = [...record.keys()]
      .map((key) => BLOCK_KEY.exec(key)?.[1])
      .filter((index): index is string => index !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    result.set(
      domain,
      indexes.map((index) => {
        const key = (field: string): string => `block.${index}.${field}`;
        return {
          index,
          name: record.get(key('name')) ?? '',
          path: record.get(key('path')) ?? null,
          backingIndex: domstatsInteger(record, key('backingIndex')),
          allocation: domstatsInteger(record, key('allocation')),
          capacity: domstatsInteger(record, key('capacity')),
          physical: domstatsInteger(record, key('physical')),
        };
      }),
    );
  }
  return result;
}
