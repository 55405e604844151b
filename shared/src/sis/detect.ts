/**
 * Which `.xml` files are Alma SIS user files: the root element is `<users>` (Alma's schema,
 * `rest_users.xsd`) or `<userRecords>` (MIT Libraries' production loader, alma-patronload, whose
 * files Alma accepts).
 * Pure: reads only the first characters of the text, so other XML is never disturbed.
 */
export const SIS_ROOTS: readonly string[] = ['users', 'userRecords'];

/** How many characters of a document to look at; the root comes after the prolog. */
export const SNIFF_LENGTH = 4096;

/**
 * The name of the root element, skipping a BOM, whitespace, the XML declaration, processing
 * instructions, comments and a DOCTYPE. `undefined` when the head holds no start tag.
 */
export function rootElementName(head: string): string | undefined {
  let i = 0;
  const n = head.length;
  if (head.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const c = head.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      i++;
      continue;
    }
    if (c !== 0x3c /* < */) return undefined; // text before the root: not an XML document we claim
    if (head.startsWith('<?', i)) {
      const end = head.indexOf('?>', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (head.startsWith('<!--', i)) {
      const end = head.indexOf('-->', i + 4);
      if (end < 0) return undefined;
      i = end + 3;
    } else if (head.startsWith('<!', i)) {
      // DOCTYPE, possibly with an internal subset in brackets
      let depth = 0;
      let j = i + 2;
      for (; j < n; j++) {
        const d = head[j];
        if (d === '[') depth++;
        else if (d === ']') depth--;
        else if (d === '>' && depth <= 0) break;
      }
      if (j >= n) return undefined;
      i = j + 1;
    } else {
      const m = /^<([A-Za-z_][-A-Za-z0-9_.]*(?::[A-Za-z_][-A-Za-z0-9_.]*)?)(?=[\s/>]|$)/.exec(head.slice(i, i + 300));
      return m ? m[1] : undefined;
    }
  }
  return undefined;
}

/** True when the text's root element is one that Alma's SIS load reads. */
export function isSisXml(head: string): boolean {
  const name = rootElementName(head);
  return name !== undefined && SIS_ROOTS.includes(name);
}
