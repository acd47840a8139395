// `virtsnap tree DOMAIN`: the snapshot forest of one domain.

import type { Host } from '../engine/host.js';
import { forestToJson, formatTreeText } from '../format/tree-text.js';

export async function treeOutput(host: Host, domain: string, json: boolean): Promise<string> {
  const forest = await host.forest(domain);
  return json ? `${JSON.stringify(forestToJson(forest), null, 2)}\n` : formatTreeText(forest);
}
