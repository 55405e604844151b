/**
 * Looking into a snapshot's JSON text without reading it whole: where its users start (for go
 * to definition) and its `profile` from the head of the file (for a large snapshot's settings
 * before it is read).
 */
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

/**
 * The snapshot's `profile` from the head of its text, without reading the rest: the top-level
 * keys are scanned in order until `profile` (parsed) or `users` (then the profile, if any,
 * comes later and is unknown). `complete` says the head is the whole file.
 * Returns `{ known: false }` whenever it cannot be sure.
 */
export function peekProfile(head: string, complete: boolean): { known: true; profile?: Record<string, unknown> } | { known: false } {
  let i = 0;
  const n = head.length;
  const ws = () => {
    while (i < n && (head[i] === ' ' || head[i] === '\t' || head[i] === '\n' || head[i] === '\r' || head[i] === '\ufeff')) i++;
  };
  const skipString = (): boolean => {
    i++;
    while (i < n) {
      const c = head[i];
      if (c === '\\') i += 2;
      else if (c === '"') {
        i++;
        return true;
      } else i++;
    }
    return false;
  };
  /** Skips one value; false when the head ends inside it. */
  const skipValue = (): boolean => {
    ws();
    const c = head[i];
    if (c === '"') return skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      while (i < n) {
        const ch = head[i];
        if (ch === '"') {
          if (!skipString()) return false;
          continue;
        }
        if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          depth--;
          if (depth === 0) {
            i++;
            return true;
          }
        }
        i++;
      }
      return false;
    }
    while (i < n && !/[,}\]\s]/.test(head[i])) i++;
    return i < n;
  };
  ws();
  if (head[i] !== '{') return { known: false };
  i++;
  for (;;) {
    ws();
    if (i >= n) return { known: false };
    if (head[i] === '}') return { known: true };
    if (head[i] !== '"') return { known: false };
    const keyStart = i;
    if (!skipString()) return { known: false };
    let key: string;
    try {
      key = JSON.parse(head.slice(keyStart, i)) as string;
    } catch {
      return { known: false };
    }
    ws();
    if (head[i] !== ':') return { known: false };
    i++;
    ws();
    const valueStart = i;
    if (key === 'users' && !complete) return { known: false };
    if (!skipValue()) return { known: false };
    if (key === 'profile') {
      try {
        const v = JSON.parse(head.slice(valueStart, i)) as unknown;
        return v !== null && typeof v === 'object' && !Array.isArray(v) ? { known: true, profile: v as Record<string, unknown> } : { known: true };
      } catch {
        return { known: false };
      }
    }
    ws();
    if (head[i] === ',') i++;
  }
}
