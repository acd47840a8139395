// A test-driver host file with one domain carrying a chain of N snapshots, so that
// every virsh process (one-shot runs included) sees the same preloaded state.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UUID = '0e2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8';

function domainXml(name: string): string {
  return `<domain type='test'><name>${name}</name><uuid>${UUID}</uuid><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/fake/${name}-vda.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
}

export function writeChainHost(domain: string, count: number): string {
  const snapshots: string[] = [];
  for (let i = 0; i < count; i++) {
    snapshots.push(
      `<test:domainsnapshot><name>snap-${i}</name><description>step ${i}</description><state>running</state>` +
        (i > 0 ? `<parent><name>snap-${i - 1}</name></parent>` : '') +
        `<creationTime>${1_700_000_000 + i * 60}</creationTime><memory snapshot='internal'/><disks><disk name='vda' snapshot='internal'/></disks>` +
        `${domainXml(domain)}<active>${i === count - 1 ? 1 : 0}</active></test:domainsnapshot>`,
    );
  }
  const xml = `<node><domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>${domain}</name><uuid>${UUID}</uuid><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/fake/${domain}-vda.qcow2'/><target dev='vda' bus='virtio'/></disk></devices><test:runstate>1</test:runstate>${snapshots.join('')}</domain></node>\n`;
  const file = join(mkdtempSync(join(tmpdir(), 'vs-chain-')), 'host.xml');
  writeFileSync(file, xml);
  return file;
}
