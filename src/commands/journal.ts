// `virtsnap journal`: the flows the journal records, read from the journal file alone (no host
// is contacted). By default every unfinished flow and the last 20; `--all` every flow.

import { Journal, type FlowRecord } from '../engine/flows/journal.js';
import { formatTime } from '../format/time.js';

export const RECENT_FLOWS = 20;

export type FlowListingStatus = 'done' | 'failed' | 'rolled-back' | 'resolved' | 'stopped' | 'unfinished';

export interface FlowListing {
  id: string;
  /** ISO time the flow began. */
  at: string;
  /** ISO time it ended; null while unfinished. */
  endedAt: string | null;
  uri: string;
  domain: string;
  kind: string;
  title: string;
  status: FlowListingStatus;
  steps: { id: string; title: string }[];
  done: string[];
  remaining: string[];
  /** The step that started and has no recorded end (unfinished flows). */
  inDoubt: string | null;
  /** The last failure: the step and libvirt's message. */
  failure: { step: string; message: string } | null;
  /** The end line's detail (why it failed, who resolved it). */
  detail: string | null;
}

export function flowListing(record: FlowRecord): FlowListing {
  return {
    id: record.id,
    at: record.begin.at,
    endedAt: record.end?.at ?? null,
    uri: record.begin.uri,
    domain: record.begin.domain,
    kind: record.begin.kind,
    title: record.begin.title,
    status: record.end?.status ?? 'unfinished',
    steps: record.begin.steps.map((s) => ({ id: s.id, title: s.title })),
    done: record.done,
    remaining: record.remaining,
    inDoubt: record.end ? null : record.inDoubt,
    failure: record.failed,
    detail: record.end?.detail ?? null,
  };
}

/** Unfinished flows and the last `recent` ones (all with `all`), oldest first. */
export function listFlows(journal: Journal, options: { all?: boolean; recent?: number } = {}): FlowListing[] {
  const flows = journal.flows();
  if (options.all) return flows.map(flowListing);
  const recent = new Set(flows.slice(-(options.recent ?? RECENT_FLOWS)).map((f) => f.id));
  return flows.filter((f) => f.end === null || recent.has(f.id)).map(flowListing);
}

const isoToText = (iso: string) => formatTime(Date.parse(iso) / 1000);

export function stepNumbered(flow: FlowListing, id: string): string {
  const index = flow.steps.findIndex((s) => s.id === id);
  return index < 0 ? id : `${index + 1}. ${flow.steps[index]!.title}`;
}

/** One flow as a few lines: header, title, progress, failure, what to do. */
export function formatFlow(flow: FlowListing): string[] {
  const lines = [`${flow.id}  ${flow.status}  ${flow.kind}  ${flow.domain}  (${flow.uri})`, `  ${flow.title}`];
  const when = `started ${isoToText(flow.at)} UTC${flow.endedAt ? `, ended ${isoToText(flow.endedAt)} UTC` : ''}`;
  lines.push(`  ${when}; ${flow.done.length} of ${flow.steps.length} steps done`);
  if (flow.inDoubt) lines.push(`  in doubt (started, never recorded as finished): ${stepNumbered(flow, flow.inDoubt)}`);
  if (flow.status === 'unfinished' && flow.remaining.length) lines.push(`  remaining: ${flow.remaining.join(', ')}`);
  if (flow.failure) lines.push(`  failed at ${flow.failure.step}: ${flow.failure.message}`);
  else if (flow.detail && flow.status !== 'done') lines.push(`  ${flow.detail}`);
  if (flow.status === 'unfinished') {
    lines.push(`  \`virtsnap resume ${flow.id}\` continues it, \`--rollback\` undoes what it did, \`--resolve\` stops reporting it`);
  }
  return lines;
}

export function formatFlowList(path: string, flows: FlowListing[], all: boolean): string {
  if (flows.length === 0) return `Journal: ${path}\nNo flows recorded.\n`;
  const unfinished = flows.filter((f) => f.status === 'unfinished').length;
  const head = `Journal: ${path}\n${flows.length} flow${flows.length === 1 ? '' : 's'}${all ? '' : ` (unfinished ones and the last ${RECENT_FLOWS}; --all for every flow)`}, ${unfinished} unfinished\n`;
  return `${head}\n${flows.map((f) => formatFlow(f).join('\n')).join('\n\n')}\n`;
}
