/**
 * A plan as an artifact to review and then apply exactly (Terraform's `plan -out`): the plan
 * document with what it was made from — a SHA-256 digest of the snapshot, of each SIS file and
 * of the code tables, the settings and the day — so that `apply --plan` can refuse when any of
 * them changed, and write the snapshot this plan describes and no other. Pure: the hosts read
 * the files and compute the digests.
 */
import type { Settings } from '../settings';
import { PLAN_FORMAT, PLAN_VERSION, type PlanJson } from './json';

/** One file a plan was made from: its path relative to the plan file's folder, and its bytes' SHA-256 (hex). */
export interface PlanInputFile {
  readonly path: string;
  readonly sha256: string;
}

export interface PlanInputs {
  /** The SIS files, in feed order (a zip is one file). */
  readonly files: readonly PlanInputFile[];
  /** The files were named as one feed (`--feed`). */
  readonly feed: boolean;
  readonly snapshot: PlanInputFile;
  readonly codeTables?: PlanInputFile;
  /** The settings in effect (the snapshot's profile under the flags or the editor's settings). */
  readonly settings: Settings;
  /** `YYYY-MM-DD`: the day the date checks compared with. */
  readonly today: string;
  /** What made the plan (`alma-sis 0.1.0`). */
  readonly madeBy: string;
}

/** The plan document (docs/plan.md) with its inputs: what `plan --out` and Export Plan write. */
export type PlanArtifact = PlanJson & { readonly inputs: PlanInputs };

export function planArtifact(plan: PlanJson, inputs: PlanInputs): PlanArtifact {
  return { ...plan, inputs };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isFile = (v: unknown): v is PlanInputFile => isObject(v) && typeof v.path === 'string' && v.path !== '' && typeof v.sha256 === 'string' && /^[0-9a-f]{64}$/.test(v.sha256);

/** The artifact in a parsed JSON value, or why it is not one (a sentence that follows the file's name). */
export function readPlanArtifact(json: unknown): { artifact?: PlanArtifact; error?: string } {
  if (!isObject(json) || json.format !== PLAN_FORMAT) return { error: 'is not a plan (its "format" is not "alma-sis-plan")' };
  if (json.version !== PLAN_VERSION) return { error: `is a plan of version ${String(json.version)}; this alma-sis reads version ${PLAN_VERSION}` };
  const inputs = json.inputs;
  if (!isObject(inputs)) return { error: 'holds no "inputs": only a plan written by `alma-sis plan --out` (or Export Plan) can be applied' };
  if (!Array.isArray(inputs.files) || inputs.files.length === 0 || !inputs.files.every(isFile) || !isFile(inputs.snapshot) || (inputs.codeTables !== undefined && !isFile(inputs.codeTables))) {
    return { error: 'has "inputs" without the paths and SHA-256 digests of its files' };
  }
  if (!isObject(inputs.settings) || typeof inputs.today !== 'string' || !Array.isArray(json.users)) return { error: 'has no settings, day or users' };
  return { artifact: json as unknown as PlanArtifact };
}

/** True when a user planned now gets the outcome, fields and lists the artifact recorded for it. */
export function sameUser(recorded: PlanJson['users'][number] | undefined, now: PlanJson['users'][number]): boolean {
  return recorded !== undefined && JSON.stringify(recorded) === JSON.stringify(now);
}
