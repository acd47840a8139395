/** The rates (MiB/s, 0: no limit) a form offers for a block job: the merge wizards and the backup's merge back. */
export const BANDWIDTHS: readonly number[] = [0, 1, 10, 50, 100, 500];
