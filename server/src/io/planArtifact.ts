/**
 * Plan artifacts on disk, for `alma-sis plan --out` / `apply --plan` and the extension's Export
 * Plan: the SHA-256 of each input file, paths relative to the plan file's folder (a plan moved
 * together with its files still applies), and which inputs changed since the plan was made.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planArtifact, readPlanArtifact, type PlanArtifact, type PlanInputFile, type PlanInputs } from '../../../shared/src/engine/artifact';
import type { PlanJson } from '../../../shared/src/engine/json';
import { InputError, fsErrorMessage } from './input';
import { writeFileAtomic, type TargetKind } from './snapshotFile';

/** SHA-256 (hex) of a file's bytes, read in pieces. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const piece of fs.createReadStream(file)) hash.update(piece as Buffer);
  } catch (e) {
    throw new InputError(fsErrorMessage(file, e));
  }
  return hash.digest('hex');
}

/** A plan's record of one input file: where it is from the plan's folder, and its digest. */
export async function inputFile(planPath: string, file: string): Promise<PlanInputFile> {
  const relative = path.relative(path.dirname(path.resolve(planPath)), path.resolve(file)).split(path.sep).join('/');
  return { path: relative, sha256: await fileSha256(file) };
}

/** An input's path on disk now (relative paths count from the plan file's folder). */
export function inputPath(planPath: string, input: PlanInputFile): string {
  return path.resolve(path.dirname(path.resolve(planPath)), input.path);
}

/** The files of a plan's inputs made now, from the paths given (any of them may be absent). */
export async function describeInputs(
  planPath: string,
  files: { readonly sis: readonly string[]; readonly snapshot: string; readonly codeTables?: string },
  rest: Pick<PlanInputs, 'feed' | 'settings' | 'today' | 'madeBy'>,
): Promise<PlanInputs> {
  const sis: PlanInputFile[] = [];
  for (const f of files.sis) sis.push(await inputFile(planPath, f));
  return {
    files: sis,
    feed: rest.feed,
    snapshot: await inputFile(planPath, files.snapshot),
    codeTables: files.codeTables !== undefined ? await inputFile(planPath, files.codeTables) : undefined,
    settings: rest.settings,
    today: rest.today,
    madeBy: rest.madeBy,
  };
}

const PLAN_TARGET: TargetKind = {
  name: 'a plan',
  accepts: (text) => {
    try {
      return (JSON.parse(text) as { format?: unknown }).format === 'alma-sis-plan';
    } catch {
      return false;
    }
  },
};

/** Writes the artifact atomically; a file already there must be a plan (never overwrite anything else). */
export async function writePlanArtifact(planPath: string, plan: PlanJson, inputs: PlanInputs): Promise<PlanArtifact> {
  const artifact = planArtifact(plan, inputs);
  await writeFileAtomic(planPath, `${JSON.stringify(artifact, null, 2)}\n`, { backup: false, kind: PLAN_TARGET });
  return artifact;
}

/** Reads a plan artifact; `InputError` when it cannot be read or is not one. */
export async function loadPlanArtifact(planPath: string): Promise<PlanArtifact> {
  let text: string;
  try {
    text = await fs.promises.readFile(planPath, 'utf8');
  } catch (e) {
    throw new InputError(fsErrorMessage(planPath, e));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${planPath} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const { artifact, error } = readPlanArtifact(json);
  if (!artifact) throw new InputError(`${planPath} ${error}`);
  return artifact;
}

/** Each input file that is gone or whose bytes differ from the plan's digest, as a sentence. */
export async function changedInputs(planPath: string, inputs: PlanInputs): Promise<string[]> {
  const all = [...inputs.files, inputs.snapshot, ...(inputs.codeTables ? [inputs.codeTables] : [])];
  const out: string[] = [];
  for (const input of all) {
    const file = inputPath(planPath, input);
    let now: string;
    try {
      now = await fileSha256(file);
    } catch {
      out.push(`${file} is gone or cannot be read`);
      continue;
    }
    if (now !== input.sha256) out.push(`${file} changed since the plan was made (its SHA-256 is not the plan's)`);
  }
  return out;
}
