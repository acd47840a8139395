// When, and for how long, the guest stops while libvirt takes the snapshot.

import type { Resolution } from './resolve-modes.js';
import type { CreateRequest, GuestPause, PlannerDomain } from './types.js';

function basePause(domain: PlannerDomain, request: CreateRequest, resolution: Resolution): GuestPause {
  const live = request.flags.live === true;
  if (!resolution.online) {
    return { kind: 'none', description: 'The domain is shut off: nothing runs, so nothing is paused.' };
  }
  if (domain.state === 'paused') {
    return { kind: 'none', description: 'The domain is already paused and stays paused.' };
  }
  if (resolution.hasManual) {
    const manual = resolution.disks.filter((d) => d.mode === 'manual').map((d) => d.target);
    const when =
      resolution.memory.mode === 'external' && live
        ? 'The guest keeps running while its memory is copied, then is paused'
        : 'The guest is paused right away';
    return {
      kind: 'until-resumed',
      description:
        `${when}, and stays paused after the command returns: snapshot ${manual.join(', ')} with your storage, ` +
        `then resume it (virsh resume ${domain.name}).`,
    };
  }
  switch (resolution.method) {
    case 'savevm':
      return {
        kind: 'savevm',
        description:
          'The guest is paused while QEMU writes its memory and disk state into the qcow2 images (savevm); ' +
          'no progress is reported, and it takes longer the more memory the guest uses.',
      };
    case 'migrate':
    case 'migrate+transaction':
      if (live) {
        return {
          kind: 'none',
          description:
            'The guest keeps running while its memory is copied (--live); it is paused only for the last pass ' +
            'and the switch to the overlays.',
        };
      }
      return {
        kind: 'memory-copy',
        description: `The guest is paused while its memory is written to ${resolution.memory.file} (~1 s per 300 MiB of guest memory in use), then resumed.`,
      };
    default:
      return {
        kind: 'none',
        description: 'The guest keeps running: its disks switch to the new overlays in one QEMU transaction.',
      };
  }
}

export function planPause(domain: PlannerDomain, request: CreateRequest, resolution: Resolution): GuestPause {
  const pause = basePause(domain, request, resolution);
  if (request.flags.halt && resolution.online) {
    return { ...pause, description: `${pause.description} Then the domain is shut off (--halt).` };
  }
  return pause;
}

/** The domain's state once the command returns. */
export function stateAfter(domain: PlannerDomain, request: CreateRequest, resolution: Resolution): 'running' | 'paused' | 'shutoff' {
  if (!resolution.online || request.flags.halt) return 'shutoff';
  if (resolution.hasManual) return 'paused';
  return domain.state;
}
