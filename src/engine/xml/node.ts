// The lossless XML tree: what the parser produces, the helpers edit and the serializer
// writes. Values are always decoded text; the optional `raw`/layout fields remember how
// the source spelled them so that an untouched document is written back byte for byte.

export interface XmlAttribute {
  name: string;
  /** Decoded value. */
  value: string;
  /** Source spelling of the value (entities undecoded); reused while it still decodes to `value`. */
  raw?: string;
  /** Quote character used in the source; new attributes use libvirt's `'`. */
  quote?: "'" | '"';
  /** Whitespace before the attribute name in the source (default one space). */
  before?: string;
  /** The `=` with any whitespace around it in the source (default `=`). */
  equals?: string;
}

/** How a parsed element's tags were spelled; absent on elements created in code. */
export interface ElementLayout {
  /** Whitespace between the last attribute and `>` or `/>`. */
  startTagTail: string;
  /**
   * Written as `<a/>` (true) or `<a></a>` (false) when it has no children; false only
   * when the source had `<a></a>`.
   */
  selfClosing: boolean;
  /** Whitespace between the name and `>` of the end tag. */
  endTagTail: string;
  /**
   * The source had child nodes but no text between them (`<os><type/></os>`): keep
   * them on one line instead of indenting them.
   */
  inlineChildren: boolean;
}

export interface XmlElement {
  type: 'element';
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
  layout?: ElementLayout;
}

export interface XmlText {
  type: 'text';
  value: string;
  raw?: string;
}

export interface XmlComment {
  type: 'comment';
  value: string;
}

export interface XmlCData {
  type: 'cdata';
  value: string;
}

export interface XmlProcessingInstruction {
  type: 'pi';
  target: string;
  /** Everything after the target and its separating whitespace. */
  data: string;
  /** Exact source text `<?…?>`; reused while target and data are unchanged. */
  raw?: string;
}

export type XmlNode = XmlElement | XmlText | XmlComment | XmlCData | XmlProcessingInstruction;

export interface XmlDoc {
  /** Source text before the root element (XML declaration, DOCTYPE, comments, whitespace), verbatim. */
  prolog: string;
  root: XmlElement;
  /** Source text after the root element, verbatim (virsh ends its output with a blank line). */
  epilog: string;
  /** Line ending the source used; the tree itself always holds `\n`. */
  lineEnding: '\n' | '\r\n';
}
