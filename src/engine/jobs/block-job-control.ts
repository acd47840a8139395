// The block-job operations on a host, each one virsh command through the host's runner.
// Jobs are started without --wait and followed by polling: a waiting virsh would hold the
// connection's only session for the whole job.

import type { Host } from '../host.js';
import type { Disk } from '../model.js';
import { parseBlockJobRaw, type BlockJobRaw } from '../parse/index.js';
import { VirshCommandError } from '../virsh/errors.js';
import { virshCommands, type BlockCommitOptions, type BlockPullOptions } from '../virsh/commands.js';
import { readDomainDisks } from '../xml/domain-xml.js';
import { blockJobKind, type RunningBlockJob } from './block-job-types.js';
import { readDiskMirrors, type DiskMirror } from './disk-mirror.js';


export class BlockJobControl {
  constructor(readonly host: Host) {}

  /** The job on one disk, or null: 1 command. */
  async info(domain: string, disk: string): Promise<BlockJobRaw | null> {
    return parseBlockJobRaw((await this.host.run(virshCommands.blockJobInfo(domain, disk))).stdout);
  }

  /** Disks (with chains) and mirrors of the live XML: 1 command. */
  async liveDisks(domain: string): Promise<{ disks: Disk[]; mirrors: Map<string, DiskMirror> }> {
    const xml = await this.host.domainXml(domain);
    return { disks: readDomainDisks(xml), mirrors: readDiskMirrors(xml) };
  }

  async startCommit(domain: string, disk: string, options: BlockCommitOptions): Promise<void> {
    await this.host.run(virshCommands.blockCommit(domain, disk, options));
  }

  async startPull(domain: string, disk: string, options: BlockPullOptions): Promise<void> {
    await this.host.run(virshCommands.blockPull(domain, disk, options));
  }

  async abort(domain: string, disk: string): Promise<void> {
    await this.host.run(virshCommands.blockJobAbort(domain, disk));
  }

  async pivot(domain: string, disk: string): Promise<void> {
    await this.host.run(virshCommands.blockJobPivot(domain, disk));
  }

  async setBandwidth(domain: string, disk: string, bandwidthMiB: number): Promise<void> {
    await this.host.run(virshCommands.blockJobSetBandwidth(domain, disk, bandwidthMiB));
  }

  /**
   * Jobs already running on the host (or on one domain): started before a restart, over a
   * dropped connection, or with plain virsh. 5 commands for the domain list (none when the
   * caller names the domain, or already knows which domains run), then per live domain 1 for
   * its XML and 1 per disk. A list of names is taken as running domains that may have stopped
   * since: those are skipped, where a single named domain must exist.
   */
  async findRunning(domains?: string | readonly string[]): Promise<RunningBlockJob[]> {
    const domain = typeof domains === 'string' ? domains : undefined;
    const names =
      domain !== undefined
        ? [domain]
        : (domains ?? (await this.host.listDomains()).filter((d) => d.id !== null).map((d) => d.name));
    const found: RunningBlockJob[] = [];
    for (const name of names) {
      let live: Awaited<ReturnType<BlockJobControl['liveDisks']>>;
      try {
        live = await this.liveDisks(name);
      } catch (error) {
        // A domain that stopped or vanished since the list has no jobs.
        if (domain === undefined) continue;
        throw error;
      }
      for (const disk of live.disks) {
        if (disk.source === null) continue;
        let job: BlockJobRaw | null;
        try {
          job = await this.info(name, disk.target);
        } catch (error) {
          // A shut-off domain has no jobs; libvirt says `domain is not running`.
          if (error instanceof VirshCommandError && /not running/.test(error.libvirtMessage)) break;
          throw error;
        }
        if (!job) continue;
        found.push({
          domain: name,
          disk: disk.target,
          type: blockJobKind(job.type),
          label: job.type,
          cur: job.cur,
          end: job.end,
          bandwidth: job.bandwidth,
          ready: live.mirrors.get(disk.target)?.ready ?? false,
        });
      }
    }
    return found;
  }
}
