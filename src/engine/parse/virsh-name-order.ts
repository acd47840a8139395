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

/** A copy of `items` sorted by name in virsh's listing order (each name encoded once). */
export function sortByNameLikeVirsh<T>(items: Iterable<T>, nameOf: (item: T) => string): T[] {
  const keyed = [...items].map((item) => {
    const name = nameOf(item);
    return { item, name, bytes: utf8.encode(name) };
  });
  keyed.sort(compareEncoded);
  return keyed.map((entry) => entry.item);
}
