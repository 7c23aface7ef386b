/** One AttributeName=AttributeValue of an RFC 8216 attribute list, with its position in the line. */
export interface Attribute {
  name: string;
  /** The value without quotes. */
  value: string;
  quoted: boolean;
  /** Offsets in the line of the value, quotes excluded. */
  start: number;
  end: number;
}

const NAME = /[A-Z0-9-]+/y;

/**
 * Parses the attribute list that starts at `from` (just after "TAG:") strictly
 * to RFC 8216 section 4.2, or returns what is wrong with it. Strictness matters
 * here: if this parser and a player's parser split a line differently, a URI
 * the player fetches could be one that was never rewritten.
 */
export function parseAttributes(line: string, from: number): Attribute[] | string {
  const attributes: Attribute[] = [];
  let i = from;
  while (i < line.length) {
    // Some packagers write ", " between attributes; players accept it.
    while (line[i] === ' ' || line[i] === '\t') i++;
    NAME.lastIndex = i;
    const name = NAME.exec(line)?.[0];
    if (name === undefined || line[i + name.length] !== '=') {
      return `expected ATTRIBUTE-NAME= at column ${i + 1}`;
    }
    i += name.length + 1;
    let attribute: Attribute;
    if (line[i] === '"') {
      const close = line.indexOf('"', i + 1);
      if (close < 0) return `unterminated quoted value of ${name}`;
      attribute = { name, value: line.slice(i + 1, close), quoted: true, start: i + 1, end: close };
      i = close + 1;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) return `stray quote in the value of ${name}`;
      attribute = { name, value, quoted: false, start: i, end };
      i = end;
    }
    attributes.push(attribute);
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i < line.length) {
      if (line[i] !== ',') return `expected "," after the value of ${name} at column ${i + 1}`;
      i++;
    }
  }
  return attributes;
}
