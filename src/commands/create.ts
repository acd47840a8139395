// `virtsnap create`: a snapshot request from options, an xl config or a snapshot XML file,
// planned against the domain as it is, shown, and (without --dry-run) carried out.

import { readFileSync } from 'node:fs';
import type { Host } from '../engine/host.js';
import type { SnapshotDetail } from '../engine/model.js';
import { readPlannerDomain, systemPlannerEnvironment } from '../engine/create/domain-facts.js';
import { executePlan } from '../engine/create/execute.js';
import { planSnapshot as defaultPlanner } from '../engine/create/planner.js';
import { createRequestFromXml, FromXmlError } from '../engine/create/from-xml.js';
import { parseDiskspec, parseMemspec, SpecSyntaxError } from '../engine/create/spec-syntax.js';
import type { CreateRequest, CreateRequestFlags, Plan, PlannerDomain, PlannerEnvironment } from '../engine/create/types.js';
import { parseXlConfig, XlConfigError } from '../engine/create/xl-config.js';
import { ReadOnlyError } from '../engine/virsh/errors.js';
import { InvalidSnapshotXmlError } from '../engine/xml/snapshot-xml.js';
import { XmlSyntaxError } from '../engine/xml/document.js';
import { UsageError } from './errors.js';

/** Refused before anything is asked of libvirt: the plan alone is still available. */
export class CreateOnReadOnlyError extends ReadOnlyError {
  constructor() {
    super(['snapshot-create-as']);
    this.message = 'read-only connection: `virtsnap create` would create a snapshot; --dry-run shows the plan without changing anything';
  }
}

export interface CreateOptions extends CreateRequestFlags {
  description?: string;
  memspec?: string;
  diskspec?: string[];
  fromFile?: string;
  xlConfig?: string;
  dryRun?: boolean;
  json?: boolean;
}

export type PlanSnapshot = (domain: PlannerDomain, request: CreateRequest, env: PlannerEnvironment) => Plan;

const PARSE_ERRORS = [SpecSyntaxError, XlConfigError, XmlSyntaxError, InvalidSnapshotXmlError, FromXmlError];

function readInputFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${what} '${path}': ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The request the command line describes; every input error is a UsageError (exit 2). */
export function requestFromOptions(name: string | undefined, options: CreateOptions): CreateRequest {
  const flags: CreateRequestFlags = {};
  for (const key of ['diskOnly', 'live', 'atomic', 'quiesce', 'noMetadata', 'reuseExternal', 'halt'] as const) {
    if (options[key]) flags[key] = true;
  }
  const specs = options.memspec !== undefined || (options.diskspec?.length ?? 0) > 0;
  if (options.fromFile !== undefined && options.xlConfig !== undefined) {
    throw new UsageError('--from-file and --xl-config cannot be used together');
  }
  if ((options.fromFile !== undefined || options.xlConfig !== undefined) && specs) {
    throw new UsageError(`--memspec and --diskspec cannot be combined with ${options.fromFile !== undefined ? '--from-file' : '--xl-config'}: the file describes memory and disks`);
  }
  try {
    if (options.fromFile !== undefined) {
      const request = createRequestFromXml(readInputFile(options.fromFile, 'snapshot XML file'));
      if (name !== undefined && request.name !== undefined && name !== request.name) {
        throw new UsageError(`the name is given twice: '${name}' on the command line and '${request.name}' in ${options.fromFile}`);
      }
      if (options.description !== undefined && request.description !== undefined) {
        throw new UsageError(`the description is given twice: with --description and in ${options.fromFile}`);
      }
      return withDefaults(request, name, options.description, flags);
    }
    if (options.xlConfig !== undefined) {
      // As xl does: the config file's name (and description) win over the command line's.
      const request = parseXlConfig(readInputFile(options.xlConfig, 'xl config file'), options.xlConfig);
      return withDefaults(request, name, options.description, flags);
    }
    const request: CreateRequest = { disks: (options.diskspec ?? []).map(parseDiskspec), flags };
    if (options.memspec !== undefined) request.memory = parseMemspec(options.memspec);
    const targets = new Set<string>();
    for (const disk of request.disks) {
      if (targets.has(disk.target)) throw new UsageError(`--diskspec names disk '${disk.target}' twice`);
      targets.add(disk.target);
    }
    return withDefaults(request, name, options.description, flags);
  } catch (error) {
    if (PARSE_ERRORS.some((type) => error instanceof type)) throw new UsageError((error as Error).message);
    throw error;
  }
}

function withDefaults(request: CreateRequest, name: string | undefined, description: string | undefined, flags: CreateRequestFlags): CreateRequest {
  const out: CreateRequest = { ...request, flags: { ...request.flags, ...flags } };
  if (out.name === undefined && name !== undefined) out.name = name;
  if (out.description === undefined && description !== undefined) out.description = description;
  return out;
}

export interface PlanJson {
  verdict: Plan['verdict'];
  reason: string | null;
  method: Plan['method'];
  xml: string | null;
  commands: string[][];
  files: Plan['files'];
  pause: Plan['pause'];
  warnings: string[];
}

export function planJson(plan: Plan): PlanJson {
  const { verdict, reason, method, xml, commands, files, pause, warnings } = plan;
  return { verdict, reason, method, xml, commands, files, pause, warnings };
}

/** POSIX shell quoting: a word a shell reads back as exactly `arg`. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(uri: string, args: readonly string[]): string {
  return ['virsh', '-c', uri, ...args].map(shellQuote).join(' ');
}

function indent(text: string, prefix: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

export function formatPlan(domain: string, uri: string, plan: Plan): string {
  const lines = [`Snapshot plan for domain '${domain}': ${plan.verdict === 'ok' ? 'ok' : plan.verdict}`];
  if (plan.reason) lines.push(`  reason:   ${plan.reason}`);
  if (plan.method) lines.push(`  method:   ${plan.method}`);
  lines.push(`  pause:    ${plan.pause.description}`);
  if (plan.files.length > 0) {
    lines.push('  files:');
    for (const file of plan.files) {
      const of = file.disk ? ` (${file.disk})` : '';
      lines.push(`    ${file.role.padEnd(8)} ${file.path}${of}${file.exists ? '  [exists]' : ''}`);
    }
  }
  if (plan.commands.length > 0) {
    lines.push('  commands:');
    for (const args of plan.commands) lines.push(`    ${shellCommand(uri, args)}`);
  }
  if (plan.warnings.length > 0) {
    lines.push('  warnings:');
    for (const warning of plan.warnings) lines.push(`    ${warning}`);
  }
  if (plan.xml) {
    lines.push('  xml:');
    lines.push(indent(plan.xml, '    '));
  }
  return `${lines.join('\n')}\n`;
}

export function formatCreated(detail: SnapshotDetail): string {
  const lines = [`Created snapshot '${detail.name}' (${detail.location}, state ${detail.state ?? 'unknown'})`];
  if (detail.memory.mode) lines.push(`  memory: ${detail.memory.mode}${detail.memory.file ? ` ${detail.memory.file}` : ''}`);
  for (const disk of detail.disks) {
    lines.push(`  ${disk.name}: ${disk.mode ?? 'default'}${disk.file ? ` ${disk.file}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface CreateOutcome {
  stdout: string;
  /** Lines for stderr (libvirt warnings). */
  stderr: string;
  exitCode: number;
}

export async function runCreate(
  host: Host,
  domain: string,
  request: CreateRequest,
  options: CreateOptions,
  planSnapshot: PlanSnapshot = defaultPlanner,
): Promise<CreateOutcome> {
  if (!options.dryRun && host.readonly) throw new CreateOnReadOnlyError();
  const facts = await readPlannerDomain(host, domain);
  const plan = planSnapshot(facts, request, systemPlannerEnvironment);
  const exitCode = plan.verdict === 'ok' ? 0 : 2;
  if (options.dryRun || plan.verdict !== 'ok') {
    const stdout = options.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : formatPlan(domain, host.uri, plan);
    return { stdout, stderr: '', exitCode };
  }
  const shown = options.json ? '' : formatPlan(domain, host.uri, plan);
  const { snapshot, warnings } = await executePlan(host, domain, plan);
  const stderr = warnings.map((w) => `virtsnap: libvirt warning: ${w}\n`).join('');
  if (options.json) {
    return { stdout: `${JSON.stringify({ plan: planJson(plan), snapshot: snapshot?.detail ?? null }, null, 2)}\n`, stderr, exitCode: 0 };
  }
  const result = snapshot ? formatCreated(snapshot.detail) : 'Created the snapshot without metadata (--no-metadata): libvirt keeps no record of it\n';
  const paused = plan.pause.kind === 'until-resumed' ? `Note: ${plan.pause.description}\n` : '';
  return { stdout: `${shown}${result}${paused}`, stderr, exitCode: 0 };
}
