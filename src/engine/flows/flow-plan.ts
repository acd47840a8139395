// A flow's plan: what every mutating flow shows before it runs (the steps with their commands,
// files and undos, what the operator loses, how long the guest is down, what is left behind),
// how it must be confirmed, and what rebuilds it from the journal. One type for every flow, so
// one printer, one confirmation dialog and one runner serve them all.

import type { StepMachine } from './step-machine.js';

export type Confirmation =
  /** A choice whose focused default is Cancel. */
  | { kind: 'choice' }
  /** Irreversible: the operator types this text (the snapshot's name). */
  | { kind: 'type-name'; text: string };

export interface FlowPlan<C = unknown> {
  /** The flow kind (`revert`, `delete`, `rename`, …): the journal and `resume` rebuild it by this. */
  kind: string;
  title: string;
  /** The libvirt URI of the host it changes. */
  uri: string;
  domain: string;
  /** JSON that rebuilds exactly these steps (same ids, same files), for resume and rollback. */
  params: unknown;
  machine: StepMachine<C>;
  context: C;
  /** What is lost or changed for good, in plain words. */
  consequences: string[];
  /** Expected guest downtime, in plain words ("none", "QEMU restarts: about 1–2 s"). */
  downtime: string;
  warnings: string[];
  confirmation: Confirmation;
  /** Why the flow must not run (libvirt would refuse, no safe way exists); null when it may. */
  refusal: string | null;
  /** Files the flow leaves behind on purpose (memory files, overlays), for the operator to know. */
  filesLeft: string[];
  /** Called once the flow has run to its end (done): removes scratch files and the like. */
  afterDone?: () => Promise<void>;
}

/** The parts every plan builder fills the same way. */
export function planDefaults(): Pick<FlowPlan, 'warnings' | 'consequences' | 'refusal' | 'filesLeft'> {
  return { warnings: [], consequences: [], refusal: null, filesLeft: [] };
}
