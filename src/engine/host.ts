// A libvirt host as the rest of virtsnap sees it: queries that return the model, each at
// a fixed number of virsh commands whatever the number of domains or snapshots.

import { virshCommands, type CreateAsOptions, type DeleteOptions } from './virsh/commands.js';
import { VirshCommandError } from './virsh/errors.js';
import type { CloseOptions, RunOptions, VirshRunner } from './virsh/runner.js';
import type { Disk, Domain, SnapshotDetail, SnapshotForest, SnapshotSummary } from './model.js';
import {
  buildForest,
  parseDomainIdList,
  parseDomstatsBlock,
  parseDomainList,
  parseDomStatsState,
  parseNameList,
  parseSnapshotTable,
  parseSnapshotTableWithLeaves,
  splitSnapshotTable,
  type SnapshotTableRow,
} from './parse/index.js';
import { readDomainDisks } from './xml/domain-xml.js';
import { buildDiskReports, type DiskReport } from './disk-report.js';
import { readSnapshot } from './xml/snapshot-xml.js';
import { SnapshotCache } from './snapshot-cache.js';

export interface SnapshotWithXml {
  detail: SnapshotDetail;
  /** The XML exactly as libvirt printed it. */
  xml: string;
}

/** Every snapshot of a domain as one read saw it. */
export interface SnapshotRead {
  /** Exact names, in virsh's order. */
  names: string[];
  current: string | null;
  summaries: SnapshotSummary[];
}

export class Host {
  private cache: SnapshotCache | null = null;

  constructor(readonly runner: VirshRunner) {}

  /** The snapshots as last read, for refreshes of this connection (snapshot-cache.ts). */
  get snapshotCache(): SnapshotCache {
    return (this.cache ??= new SnapshotCache(this));
  }

  get uri(): string {
    return this.runner.uri;
  }

  get readonly(): boolean {
    return this.runner.readonly;
  }

  /** All domains with id, state, persistence and autostart: 5 commands. */
  async listDomains(): Promise<Domain[]> {
    const run = (c: Parameters<VirshRunner['run']>[0]) => this.runner.run(c).then((r) => r.stdout);
    const [list, idTable, states, persistent, autostart] = await Promise.all([
      run(virshCommands.domainList()),
      run(virshCommands.domainIdTable()),
      run(virshCommands.domainStates()),
      run(virshCommands.persistentDomainNames()),
      run(virshCommands.autostartDomainNames()),
    ]);
    const stateByName = parseDomStatsState(states);
    const persistentNames = new Set(parseNameList(persistent));
    const autostartNames = new Set(parseNameList(autostart));
    // The id table pads names, so a trailing space in a name is lost there: match trimmed.
    const idByName = new Map(parseDomainIdList(idTable).map((row) => [row.name.trimEnd(), row.id]));
    return parseDomainList(list).map(({ uuid, name }) => {
      const state = stateByName.get(name) ?? { state: 'no state' as const, reason: null };
      return {
        name,
        uuid,
        id: idByName.get(name.trimEnd()) ?? null,
        state,
        persistent: persistentNames.has(name),
        autostart: autostartNames.has(name),
      };
    });
  }

  /**
   * Every snapshot of a domain with parent, state, time, location and the current mark:
   * 4 commands (2 when there are none), however many snapshots there are.
   */
  async listSnapshots(domain: string): Promise<SnapshotSummary[]> {
    const names = await this.snapshotNames(domain);
    if (names.length === 0) return [];
    return this.snapshotSummaries(domain, names);
  }

  /** The names of a domain's snapshots: 1 command, the cheapest question about them. */
  async snapshotNames(domain: string): Promise<string[]> {
    return parseNameList((await this.runner.run(virshCommands.snapshotNames(domain))).stdout);
  }

  /**
   * The summaries of the snapshots named: 3 commands, 2 when the current snapshot's name is
   * given too (undefined: ask). Either may still be on its way: the table is asked for at once,
   * and the names are needed only to read it.
   */
  async snapshotSummaries(
    domain: string,
    names: readonly string[] | Promise<readonly string[]>,
    knownCurrent?: string | null | Promise<string | null>,
  ): Promise<SnapshotSummary[]> {
    const [table, external, current] = await Promise.all([
      this.runner.run(virshCommands.snapshotTable(domain)),
      this.runner.run(virshCommands.snapshotNames(domain, 'external')),
      knownCurrent === undefined ? this.currentSnapshotName(domain) : knownCurrent,
    ]);
    return summariesOf(parseSnapshotTable(table.stdout, await names), parseNameList(external.stdout), current);
  }

  /**
   * Every snapshot with its exact name, in 4 commands asked at once and none waiting for
   * another: the table, the leaves' names (the table's Parent column names all the others
   * exactly), the external ones' names and the current one's. Names the table cannot show
   * exactly (see parseSnapshotTableWithLeaves) cost a 5th, the full `--name` listing.
   * `hint`: the names last read, if any.
   */
  async readSnapshots(domain: string, hint: readonly string[] = []): Promise<SnapshotRead> {
    // The table goes first: virsh prints it whole when done, and it is split into cells while
    // virsh answers the three short questions after it.
    const table = this.runner.run(virshCommands.snapshotTable(domain)).then((result) => splitSnapshotTable(result.stdout));
    const rest = Promise.all([
      this.runner.run(virshCommands.snapshotNames(domain, 'leaves')),
      this.runner.run(virshCommands.snapshotNames(domain, 'external')),
      this.currentSnapshotName(domain),
    ]);
    const [split, [leaves, external, current]] = await Promise.all([table, rest]);
    const externalNames = parseNameList(external.stdout);
    const exact = parseSnapshotTableWithLeaves(split, parseNameList(leaves.stdout), hint);
    if (exact) return { names: exact.names, current, summaries: summariesOf(exact.rows, externalNames, current) };
    const names = await this.snapshotNames(domain);
    return { names, current, summaries: summariesOf(parseSnapshotTable(split, names), externalNames, current) };
  }

  async forest(domain: string): Promise<SnapshotForest> {
    const { summaries, current } = await this.readSnapshots(domain);
    return buildForest(domain, summaries, current);
  }

  /** The current snapshot's name, or null when the domain has none. */
  async currentSnapshotName(domain: string): Promise<string | null> {
    try {
      const { stdout } = await this.runner.run(virshCommands.currentSnapshotName(domain));
      return stdout.replace(/\n$/, '') || null;
    } catch (error) {
      if (error instanceof VirshCommandError && error.code === 'no-current-snapshot') return null;
      throw error;
    }
  }

  /** One snapshot's full XML and what it says: 1 command. */
  async snapshot(domain: string, name: string): Promise<SnapshotWithXml> {
    const { stdout } = await this.runner.run(virshCommands.snapshotXml(domain, name));
    return { detail: readSnapshot(stdout), xml: stdout };
  }

  /** Disks with their backing chains from the live (or inactive) domain XML: 1 command. */
  async disks(domain: string, options: { inactive?: boolean } = {}): Promise<Disk[]> {
    const { stdout } = await this.runner.run(virshCommands.domainXml(domain, options.inactive));
    return readDomainDisks(stdout);
  }

  async domainXml(domain: string, options: { inactive?: boolean } = {}): Promise<string> {
    return (await this.runner.run(virshCommands.domainXml(domain, options.inactive))).stdout;
  }

  /**
   * Every disk's chain with allocation, owning snapshot and problems: 3 commands plus one
   * per snapshot (their XML says which overlay each created), so only on demand.
   */
  async diskReport(domain: string, fileExists: ((path: string) => boolean) | null): Promise<DiskReport[]> {
    const [disks, names, blockStats] = await Promise.all([
      this.disks(domain),
      this.runner.run(virshCommands.snapshotNames(domain)).then((r) => parseNameList(r.stdout)),
      this.runner
        .run(virshCommands.domainBlockStats(domain))
        .then((r) => [...parseDomstatsBlock(r.stdout).values()].flat())
        // Drivers without block stats (the test driver) still get a chain, without sizes.
        .catch((error: unknown) => {
          if (error instanceof VirshCommandError) return [];
          throw error;
        }),
    ]);
    const snapshots = await Promise.all(names.map((name) => this.snapshot(domain, name).then((s) => s.detail)));
    return buildDiskReports({ disks, blockStats, snapshots, fileExists });
  }

  /** `snapshot-create-as`; returns nothing: callers refresh to see the result. */
  async createSnapshotAs(domain: string, options: CreateAsOptions, runOptions?: RunOptions): Promise<void> {
    await this.runner.run(virshCommands.createSnapshotAs(domain, options), runOptions);
  }

  async deleteSnapshot(domain: string, name: string, options: DeleteOptions = {}, runOptions?: RunOptions): Promise<void> {
    await this.runner.run(virshCommands.deleteSnapshot(domain, name, options), runOptions);
  }

  /** Plain passthrough for flows that build their own commands. */
  run(...args: Parameters<VirshRunner['run']>) {
    return this.runner.run(...args);
  }

  close(options?: CloseOptions): Promise<void> {
    return this.runner.close(options);
  }
}

function summariesOf(rows: readonly SnapshotTableRow[], externalNames: readonly string[], current: string | null): SnapshotSummary[] {
  const external = new Set(externalNames);
  return rows.map((row) => ({
    name: row.name,
    parent: row.parent,
    state: row.state,
    creationTime: row.creationTime,
    current: row.name === current,
    location: external.has(row.name) ? 'external' : 'internal',
  }));
}

export type { RunOptions };
