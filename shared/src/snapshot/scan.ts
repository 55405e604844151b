/**
 * Looking into a snapshot's JSON text without reading it whole: where its users start (for go
 * to definition) and its `profile` from the head of the file (for a large snapshot's settings
 * before it is read). No objects are built but the few values asked for.
 */

/** A place in a JSON text, moved over whitespace, strings and whole values without reading them. */
class JsonCursor {
  i = 0;

  constructor(readonly text: string) {}

  /** The character at the cursor (a method, not a getter: it changes as the cursor moves). */
  peek(): string | undefined {
    return this.text[this.i];
  }

  get atEnd(): boolean {
    return this.i >= this.text.length;
  }

  /** Past whitespace (a byte-order mark counts as whitespace). */
  ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) this.i++;
      else break;
    }
  }

  /** At a `"`: past the string; false when the text ends inside it. */
  skipString(): boolean {
    const t = this.text;
    this.i++;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 92) this.i += 2;
      else if (c === 34) {
        this.i++;
        return true;
      } else this.i++;
    }
    return false;
  }

  /** At a `"`: the string's value, past it; undefined when it is cut off or not valid JSON. */
  readString(): string | undefined {
    const start = this.i;
    if (!this.skipString()) return undefined;
    try {
      return JSON.parse(this.text.slice(start, this.i)) as string;
    } catch {
      return undefined;
    }
  }

  /** Past one value (after whitespace); false when the text ends inside it. */
  skipValue(): boolean {
    const t = this.text;
    this.ws();
    const c = t[this.i];
    if (c === '"') return this.skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      while (this.i < t.length) {
        const ch = t[this.i];
        if (ch === '"') {
          if (!this.skipString()) return false;
          continue;
        }
        if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          depth--;
          if (depth === 0) {
            this.i++;
            return true;
          }
        }
        this.i++;
      }
      return false;
    }
    while (this.i < t.length && !/[,}\]\s]/.test(t[this.i])) this.i++;
    return this.i < t.length;
  }

  /** At an object's key (after whitespace): the key, past its `:`; undefined when the text is not shaped so. */
  key(): string | undefined {
    if (this.peek() !== '"') return undefined;
    const key = this.readString();
    this.ws();
    if (key === undefined || this.peek() !== ':') return undefined;
    this.i++;
    this.ws();
    return key;
  }
}

/**
 * Finds where each entry of the top-level `users` array starts in a snapshot's JSON text,
 * for go-to-definition. One pass over the text; returns [] for text that is not shaped like
 * a snapshot.
 */
export function locateSnapshotUsers(text: string): number[] {
  const c = new JsonCursor(text);
  c.ws();
  if (c.peek() !== '{') return [];
  c.i++;
  while (!c.atEnd) {
    c.ws();
    const key = c.key();
    if (key === undefined) return [];
    if (key === 'users' && c.peek() === '[') {
      c.i++;
      const starts: number[] = [];
      while (!c.atEnd) {
        c.ws();
        if (c.peek() === ']') return starts;
        starts.push(c.i);
        c.skipValue();
        c.ws();
        if (c.peek() === ',') c.i++;
        else if (c.peek() !== ']') return starts;
      }
      return starts;
    }
    c.skipValue();
    c.ws();
    if (c.peek() === ',') c.i++;
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
  const c = new JsonCursor(head);
  c.ws();
  if (c.peek() !== '{') return { known: false };
  c.i++;
  for (;;) {
    c.ws();
    if (c.atEnd) return { known: false };
    if (c.peek() === '}') return { known: true };
    const key = c.key();
    if (key === undefined) return { known: false };
    const valueStart = c.i;
    if (key === 'users' && !complete) return { known: false };
    if (!c.skipValue()) return { known: false };
    if (key === 'profile') {
      try {
        const v = JSON.parse(head.slice(valueStart, c.i)) as unknown;
        return v !== null && typeof v === 'object' && !Array.isArray(v) ? { known: true, profile: v as Record<string, unknown> } : { known: true };
      } catch {
        return { known: false };
      }
    }
    c.ws();
    if (c.peek() === ',') c.i++;
  }
}
