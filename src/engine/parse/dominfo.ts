// `virsh dominfo DOM`: `Label:   value` lines. virtsnap reads `Managed save` (whether the next
// start restores a managed save image) and `State`.

import { outputLines } from './output-lines.js';

export function parseDominfo(stdout: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of outputLines(stdout)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** True when libvirt holds a managed save image for the domain. */
export function hasManagedSave(stdout: string): boolean {
  return parseDominfo(stdout)['Managed save'] === 'yes';
}
