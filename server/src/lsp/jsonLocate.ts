/**
 * Finds where each entry of the top-level `users` array starts in a snapshot's JSON text,
 * for go-to-definition. One pass over the text, no objects built; returns [] for text that
 * is not shaped like a snapshot.
 */
export function locateSnapshotUsers(text: string): number[] {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const skipString = () => {
    // at '"'
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 34) {
        i++;
        return;
      } else i++;
    }
  };
  const readString = (): string => {
    const s = i;
    skipString();
    try {
      return JSON.parse(text.slice(s, i)) as string;
    } catch {
      return '';
    }
  };
  /** Skips one JSON value starting at i (after whitespace). */
  const skipValue = () => {
    ws();
    const c = text[i];
    if (c === '"') return skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      while (i < n) {
        const ch = text[i];
        if (ch === '"') {
          skipString();
          continue;
        }
        if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          depth--;
          if (depth === 0) {
            i++;
            return;
          }
        }
        i++;
      }
      return;
    }
    while (i < n && !/[,}\]\s]/.test(text[i])) i++;
  };

  ws();
  if (text.charCodeAt(i) === 0xfeff) i++;
  ws();
  if (text[i] !== '{') return [];
  i++;
  while (i < n) {
    ws();
    if (text[i] === '}') return [];
    if (text[i] !== '"') return [];
    const key = readString();
    ws();
    if (text[i] !== ':') return [];
    i++;
    ws();
    if (key === 'users' && text[i] === '[') {
      i++;
      const starts: number[] = [];
      while (i < n) {
        ws();
        if (text[i] === ']') return starts;
        starts.push(i);
        skipValue();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') return starts;
      }
      return starts;
    }
    skipValue();
    ws();
    if (text[i] === ',') i++;
  }
  return [];
}
