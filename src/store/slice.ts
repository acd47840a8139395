// What every slice of the store is built from: the host, the store's get and set, and the
// loaders the navigation slice owns (the others need them to keep the selection and its
// details in step).

import type { Host } from '../engine/host.js';
import type { Journal } from '../engine/flows/journal.js';
import type { AppState } from './app-state.js';

export type Get = () => AppState;
export type Set = (patch: Partial<AppState>) => void;

export interface Loaders {
  /** Loads what the current view needs for the selection, once. */
  loadSelectedDetails(): void;
  /** Reads one domain's forest again (after a change to its snapshots). */
  loadForest(name: string): Promise<void>;
  selectDomain(index: number): void;
  selectSnapshot(index: number): void;
}

export interface SliceContext {
  host: Host;
  journal: Journal;
  get: Get;
  set: Set;
  loaders: Loaders;
  /** Whether a local file exists, for the disk view (null: the files are not ours to check). */
  fileExists: ((path: string) => boolean) | null;
}
