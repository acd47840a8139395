// `virtsnap create`: a snapshot request from options, an xl config or a snapshot XML file,
// planned against the domain as it is, shown (the planner's verdict, method, files, pause and
// XML, then the flow's steps as every flow prints them), and run as a journaled flow with the
// options every mutating command takes (--dry-run, --yes, --json).

import { readFileSync } from 'node:fs';
import type { Host } from '../engine/host.js';
import type { SnapshotDetail } from '../engine/model.js';
import { planCreate, type CreateParams } from '../engine/create/create-flow.js';
import { createRequestFromXml, FromXmlError } from '../engine/create/from-xml.js';
import { parseDiskspec, parseMemspec, SpecSyntaxError } from '../engine/create/spec-syntax.js';
import type { CreateRequest, CreateRequestFlags, Plan, PlannerEnvironment } from '../engine/create/types.js';
import { parseXlConfig, XlConfigError } from '../engine/create/xl-config.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { InvalidSnapshotXmlError } from '../engine/xml/snapshot-xml.js';
import { XmlSyntaxError } from '../engine/xml/document.js';
import type { CliIo } from './context.js';
import { UsageError } from './errors.js';
import { runPlanFromCli, type FlowFlags } from './flow-cli.js';

export interface CreateOptions extends CreateRequestFlags {
  description?: string;
  memspec?: string;
  diskspec?: string[];
  fromFile?: string;
  xlConfig?: string;
}

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

function indent(text: string, prefix: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

/** The planner's own account, printed above the flow's steps: verdict, reason, method, pause, files, XML. */
export function formatPlanHeader(domain: string, plan: Plan): string {
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

/**
 * Plans the request on the domain and runs it as every mutating command does. `--dry-run
 * --json` prints one JSON line, the flow's plan with the planner's own fields (verdict, reason,
 * method, xml, commands, files, pause, warnings), and exits 0 only when the verdict is ok.
 */
export async function runCreate(
  host: Host,
  io: CliIo,
  domain: string,
  request: CreateRequest,
  flags: FlowFlags,
  environment?: PlannerEnvironment,
): Promise<void> {
  const flow = await planCreate(host, domain, request, environment);
  const { plan } = flow.params as CreateParams;
  const result = flow.context.result;
  await runPlanFromCli(flow as FlowPlan, {
    io,
    host,
    flags,
    header: formatPlanHeader(domain, plan),
    planExtra: { ...planJson(plan) },
    resultExtra: () => ({ snapshot: result.snapshot?.detail ?? null, warnings: result.warnings }),
    describeDone: () => {
      const created = result.snapshot
        ? formatCreated(result.snapshot.detail)
        : 'Created the snapshot without metadata (--no-metadata): libvirt keeps no record of it\n';
      const paused = plan.pause.kind === 'until-resumed' ? `Note: ${plan.pause.description}\n` : '';
      return `${created}${paused}`;
    },
  });
  if (!flags.json) for (const warning of result.warnings) io.stderr(`virtsnap: libvirt warning: ${warning}\n`);
}
