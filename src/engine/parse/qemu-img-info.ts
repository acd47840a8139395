import type { ImageInfo } from '../model.js';
import { ParseError } from './parse-error.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses `qemu-img info --backing-chain --output=json` (an array, top image first) or
 * plain `qemu-img info --output=json` (a single object) into ImageInfo[].
 * @throws ParseError when the JSON is malformed or an image lacks filename, format or
 * virtual-size.
 */
export function parseQemuImgInfoChain(json: string): ImageInfo[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ParseError(`qemu-img info output is not JSON (${(error as Error).message})`, json.slice(0, 200));
  }
  const images = Array.isArray(parsed) ? parsed : [parsed];
  return images.map(toImageInfo);
}

function toImageInfo(image: unknown): ImageInfo {
  if (!isObject(image)) throw new ParseError('expected an image object', JSON.stringify(image));
  const filename = image['filename'];
  const format = image['format'];
  const virtualSize = image['virtual-size'];
  if (typeof filename !== 'string' || typeof format !== 'string' || typeof virtualSize !== 'number') {
    throw new ParseError('image without filename, format or virtual-size', JSON.stringify(image));
  }
  const snapshots = Array.isArray(image['snapshots']) ? image['snapshots'] : [];
  return {
    filename,
    format,
    virtualSize,
    actualSize: numberOrNull(image['actual-size']),
    backingFilename: stringOrNull(image['backing-filename']),
    fullBackingFilename: stringOrNull(image['full-backing-filename']),
    snapshots: snapshots.map((snapshot: unknown) => {
      if (!isObject(snapshot)) throw new ParseError('expected a snapshot object', JSON.stringify(snapshot));
      return {
        id: String(snapshot['id'] ?? ''),
        name: String(snapshot['name'] ?? ''),
        vmStateSize: numberOrNull(snapshot['vm-state-size']) ?? 0,
        dateSec: numberOrNull(snapshot['date-sec']) ?? 0,
      };
    }),
  };
}

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
