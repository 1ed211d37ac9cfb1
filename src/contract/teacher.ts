/**
 * What the page and the engine share about the teacher: its behaviours, its parsed guidance and
 * tag format, how a call fails, the connection report and the teacher phase's status. Pure.
 */

/** The four reflective behaviours the teacher's few-shots demonstrate. */
export type Behavior = 'self-conflict' | 'self-critique' | 'self-agreement' | 'self-consultancy';

/** All behaviours, in the order the paper lists them. */
export const BEHAVIORS: readonly Behavior[] = [
  'self-conflict',
  'self-critique',
  'self-agreement',
  'self-consultancy',
];

/** The teacher's parsed reply: `<opinion>`, `<reason>` and `<phrase>` tag contents. */
export interface Guidance {
  /** Whether the teacher judged the student's response correct. */
  opinion: 'correct' | 'incorrect';
  /** First-person reflection on the student's reasoning (appended after the response). */
  reason: string;
  /** First-person continuation that ends with the final answer in \boxed{}. */
  phrase: string;
  /** The behaviour the guidance was written in, when the teacher knows it (built-in teacher). */
  behavior?: Behavior;
}

/** Why a teacher call produced no guidance. */
export type TeacherFailureKind =
  | 'timeout'
  | 'server_error'
  | 'rate_limited'
  | 'network'
  | 'cors'
  | 'auth'
  | 'unknown_model'
  | 'format'
  | 'cancelled'
  | 'bad_request'
  | 'oversized'
  /** The body is not JSON (cut off mid-reply, or not a JSON API at all). */
  | 'bad_json'
  /** The server answered with a redirect, which is not followed (the key stays with one origin). */
  | 'redirect'
  /** No answer before the step's teacher deadline (teacher.stepDeadlineMs); left unguided. */
  | 'deadline';

/** All failure kinds (for counters and charts). */
export const TEACHER_FAILURE_KINDS: readonly TeacherFailureKind[] = [
  'timeout',
  'server_error',
  'rate_limited',
  'network',
  'cors',
  'auth',
  'unknown_model',
  'format',
  'cancelled',
  'bad_request',
  'oversized',
  'bad_json',
  'redirect',
  'deadline',
];

/** A plain-words report of `testConnection()`. */
export interface ConnectionReport {
  /** True when the server answered in the tag format. */
  ok: boolean;
  /** Whether the server answered at all (null: unknown, e.g. timed out). */
  reachable: boolean | null;
  /** Whether the key (or no key) was accepted (null: not known). */
  authOk: boolean | null;
  /** Whether the server knows the model (null: not known). */
  modelKnown: boolean | null;
  /** Whether the reply followed the tag format (null: no reply). */
  formatOk: boolean | null;
  /** Whether the server returned token log-probabilities. */
  logprobs: boolean;
  /** The failure kind, when the check failed. */
  failure?: TeacherFailureKind;
  /** Models the server lists, when the model was unknown and the list could be read. */
  availableModels?: string[];
  latencyMs: number;
  /** One sentence per check, in plain words. */
  lines: string[];
  /** The lines joined. */
  summary: string;
}

/** What the teacher phase waits for. */
export interface TeacherPhaseStatus {
  teacher: string;
  /** Rollouts sent (or to be sent) to the teacher this step. */
  total: number;
  answered: number;
  failed: number;
  /** Left unguided without a call (circuit open). */
  skipped: number;
  /** Calls not finished yet. */
  pending: number;
  /** The phase's deadline in ms (0: none) and when it started (Date.now()). */
  deadlineMs: number;
  startedAt: number;
}

/** Writes guidance back in the tag format (the inverse of `parseGuidance`). */
export function formatGuidance(g: Pick<Guidance, 'opinion' | 'reason' | 'phrase'>): string {
  return `<opinion>${g.opinion}</opinion>\n<reason>${g.reason}</reason>\n<phrase>${g.phrase}</phrase>`;
}
