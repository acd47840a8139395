// What a destructive flow shows before it runs: the steps and their commands, what the
// operator loses, how long the guest is down, and how it must be confirmed.

import type { FlowResult, StepMachine } from './step-machine.js';

export type Confirmation =
  /** A choice whose focused default is Cancel. */
  | { kind: 'choice' }
  /** Irreversible: the operator types this text (the snapshot's name). */
  | { kind: 'type-name'; text: string };

export interface DestructivePlan<C> {
  title: string;
  machine: StepMachine<C>;
  context: C;
  /** What is lost or changed for good, in plain words. */
  consequences: string[];
  /** Expected guest downtime, in plain words ("none", "QEMU restarts: about 1–2 s"). */
  downtime: string;
  warnings: string[];
  confirmation: Confirmation;
  /** Runs the flow when it needs more than `machine.run(context)` (clean-up afterwards, say). */
  execute?: () => Promise<FlowResult>;
}
