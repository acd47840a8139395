// `virtsnap tree DOMAIN`: the snapshot forest of one domain.

import type { Host } from '../engine/host.js';
import { forestToJson, formatTreeText } from '../format/tree-text.js';

/**
 * `pretty` indents the JSON (for a terminal). Nesting follows the tree, so indentation grows
 * with depth: a chain of 1000 snapshots is 20 MB indented and 0.2 MB on one line, which is what
 * scripts and pipes get.
 */
export async function treeOutput(host: Host, domain: string, json: boolean, pretty = true): Promise<string> {
  const forest = await host.forest(domain);
  return json ? `${JSON.stringify(forestToJson(forest), null, pretty ? 2 : undefined)}\n` : formatTreeText(forest);
}
