const utf8 = new TextEncoder();

interface EncodedName {
  name: string;
  bytes: Uint8Array;
}

const lowerAsciiByte = (byte: number): number => (byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte);

function compareEncoded(a: EncodedName, b: EncodedName): number {
  const common = Math.min(a.bytes.length, b.bytes.length);
  for (let i = 0; i < common; i++) {
    const difference = lowerAsciiByte(a.bytes[i] ?? 0) - lowerAsciiByte(b.bytes[i] ?? 0);
    if (difference !== 0) return difference;
  }
  if (a.bytes.length !== b.bytes.length) return a.bytes.length - b.bytes.length;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Orders names like virsh sorts its listings: `strcasecmp` over the UTF-8 bytes in the
 * C locale (ASCII letters folded, other bytes compared unsigned). Names that only
 * differ in ASCII case compare equal there, and virsh then keeps libvirt's hash-table
 * order; byte order breaks such ties here so the result is deterministic.
 */
export function compareNamesLikeVirsh(a: string, b: string): number {
  return compareEncoded({ name: a, bytes: utf8.encode(a) }, { name: b, bytes: utf8.encode(b) });
}

const ASCII = /^[\x00-\x7f]*$/;
const lowerAsciiCode = (code: number): number => (code >= 0x41 && code <= 0x5a ? code + 0x20 : code);

/** compareEncoded for ASCII names, whose UTF-8 bytes are their char codes: nothing to encode. */
function compareAscii(a: string, b: string): number {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const difference = lowerAsciiCode(a.charCodeAt(i)) - lowerAsciiCode(b.charCodeAt(i));
    if (difference !== 0) return difference;
  }
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `items` sorted by name in virsh's listing order (each name encoded once). */
export function sortByNameLikeVirsh<T>(items: Iterable<T>, nameOf: (item: T) => string): T[] {
  const list = [...items];
  if (list.every((item) => ASCII.test(nameOf(item)))) return list.sort((a, b) => compareAscii(nameOf(a), nameOf(b)));
  const keyed = list.map((item) => {
    const name = nameOf(item);
    return { item, name, bytes: utf8.encode(name) };
  });
  keyed.sort(compareEncoded);
  return keyed.map((entry) => entry.item);
}
