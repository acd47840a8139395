// Character and entity references, done here instead of in fast-xml-parser so that
// decoding happens exactly once (`&amp;lt;` must stay the literal text `&lt;`) and so
// that numeric references work without enabling HTML entities.

const PREDEFINED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  apos: "'",
  quot: '"',
};

/** A reference as the XML grammar spells it; validity of the target is checked separately. */
export const REFERENCE = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([A-Za-z_:][A-Za-z0-9_.:-]*));/g;

/** XML 1.0 `Char` production. */
export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/** Why a single reference is not acceptable, or null when it is. */
export function referenceProblem(reference: string): string | null {
  const match = /^&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([^;]+));$/.exec(reference);
  if (!match) return `malformed reference '${reference}'`;
  const [, hex, dec, name] = match;
  if (name !== undefined) {
    return name in PREDEFINED ? null : `undefined entity '${reference}'`;
  }
  const codePoint = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(dec ?? '', 10);
  return isXmlChar(codePoint) ? null : `character reference '${reference}' is not an XML character`;
}

/** Decode references in text that has already been checked with `referenceProblem`. */
export function decodeText(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(REFERENCE, (whole, hex?: string, dec?: string, name?: string) => {
    if (name !== undefined) return PREDEFINED[name] ?? whole;
    const codePoint = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(dec ?? '', 10);
    return String.fromCodePoint(codePoint);
  });
}

/**
 * Attribute values get XML's attribute-value normalisation: literal tabs and newlines
 * become spaces (references to them do not), which is what libxml2, and so libvirt, sees.
 */
export function decodeAttribute(raw: string): string {
  return decodeText(raw.replace(/[\t\n\r]/g, ' '));
}

// Characters XML 1.0 cannot carry at all; libvirt's writer drops them too.
const UNREPRESENTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;

/** Escape text content the way libvirt's virBufferEscapeString does. */
export function escapeText(value: string): string {
  return value
    .replace(UNREPRESENTABLE, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** Escape an attribute value; whitespace other than space is kept via character references. */
export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}
