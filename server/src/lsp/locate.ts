import { fileURLToPath, pathToFileURL } from 'node:url';

/** The file-system path of a `file:` URI, undefined for other schemes (untitled, in-memory). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).toString();
}
