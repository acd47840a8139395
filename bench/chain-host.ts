// A test-driver host file with one domain carrying a chain of N snapshots, so that
// every virsh process (one-shot runs included) sees the same preloaded state.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UUID = '0e2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8';

function domainXml(name: string, uuid = UUID): string {
  return `<domain type='test'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/fake/${name}-vda.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
}

/** One domain element (test-driver syntax) holding a chain of `count` snapshots. */
function chainDomain(domain: string, count: number, uuid: string): string {
  const snapshots: string[] = [];
  for (let i = 0; i < count; i++) {
    snapshots.push(
      `<test:domainsnapshot><name>snap-${i}</name><description>step ${i}</description><state>running</state>` +
        (i > 0 ? `<parent><name>snap-${i - 1}</name></parent>` : '') +
        `<creationTime>${1_700_000_000 + i * 60}</creationTime><memory snapshot='internal'/><disks><disk name='vda' snapshot='internal'/></disks>` +
        `${domainXml(domain, uuid)}<active>${i === count - 1 ? 1 : 0}</active></test:domainsnapshot>`,
    );
  }
  return `<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>${domain}</name><uuid>${uuid}</uuid><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/fake/${domain}-vda.qcow2'/><target dev='vda' bus='virtio'/></disk></devices><test:runstate>1</test:runstate>${snapshots.join('')}</domain>`;
}

function writeHost(domains: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vs-chain-')), 'host.xml');
  writeFileSync(file, `<node>${domains}</node>\n`);
  return file;
}

export function writeChainHost(domain: string, count: number): string {
  return writeHost(chainDomain(domain, count, UUID));
}

/** `domains` domains (`chain-0`…) with a chain of `count` snapshots each. */
export function writeManyChainsHost(domains: number, count: number): string {
  const parts: string[] = [];
  for (let d = 0; d < domains; d++) parts.push(chainDomain(`chain-${d}`, count, UUID.replace(/.{2}$/, d.toString(16).padStart(2, '0'))));
  return writeHost(parts.join(''));
}
