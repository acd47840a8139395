// The planner asks about files synchronously (it does no I/O); on a host whose files are reached
// over SSH the answers are fetched first: plan once while recording the paths asked about, look
// them all up on the host in one round trip, and plan again with those answers (again while a
// new answer makes the planner ask about another path, e.g. the next free file name).
// A path the host could not answer about counts as missing, and the plan says it is unknown.

import type { HostFiles, FileFacts } from '../host-files.js';
import type { Plan, PlannerEnvironment } from './types.js';

export async function planWithHostFiles(files: HostFiles, base: PlannerEnvironment, plan: (env: PlannerEnvironment) => Plan): Promise<Plan> {
  const known = new Map<string, FileFacts | null>();
  const asked = new Set<string>();
  const env: PlannerEnvironment = {
    ...base,
    fileExists: (path) => {
      asked.add(path);
      return known.get(path)?.exists ?? false;
    },
    fileSize: (path) => {
      asked.add(path);
      return known.get(path)?.size ?? null;
    },
    isRegularFile: (path) => {
      asked.add(path);
      const facts = known.get(path);
      // not asked yet, or the host could not answer: unknown
      if (!facts) return null;
      return facts.exists && facts.regular === true;
    },
  };
  let result = plan(env);
  for (let pass = 0; pass < 4; pass++) {
    const missing = [...asked].filter((p) => !known.has(p));
    if (missing.length === 0) break;
    for (const [path, facts] of await files.probe(missing)) known.set(path, facts);
    result = plan(env);
  }
  const unknown = [...known].filter(([, facts]) => facts === null).map(([path]) => path);
  if (unknown.length > 0) {
    result = { ...result, warnings: [...result.warnings, `unknown whether ${unknown.join(', ')} exist${unknown.length === 1 ? 's' : ''} on ${files.where} (the check could not run); libvirt refuses a file that exists`] };
  }
  return result;
}
