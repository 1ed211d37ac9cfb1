/**
 * Shared types of the teacher layer: what a teacher is asked, what it answers, and how it
 * fails. A teacher reads one student rollout and writes first-person guidance (ThinkTuning
 * step 4); a failure never stops training, the rollout just stays unguided.
 */
import type { Guidance, TeacherFailureKind } from '../../contract/teacher';
import type { TaskItem } from '../tasks/types';

/** One request to the teacher: a student rollout for a task item. */
export interface TeacherRequest {
  /** The task item (ground truth and worked steps are only used by the built-in teacher). */
  item: TaskItem;
  /** The question as shown to the student. */
  question: string;
  /** The student's response text (without EOS). */
  response: string;
  /** The verifier's verdict on the response, when the caller already knows it. */
  studentCorrect?: boolean;
  /** Aborts the request; the result is then a `cancelled` failure. */
  signal?: AbortSignal;
  /**
   * Told of each failed attempt that will be retried, as it happens (the circuit breaker counts
   * it at once instead of when the call ends after all its retries).
   */
  onAttemptFailed?: (failure: TeacherFailureKind) => void;
}

/** One generated token with its log-probability, as reported by the server. */
export interface TokenLogprob {
  token: string;
  logprob: number;
}

/** A successful teacher call. */
export interface TeacherSuccess {
  ok: true;
  guidance: Guidance;
  /** The raw reply text the guidance was parsed from. */
  raw: string;
  /** Per-token log-probabilities of the reply, when the server returned them. */
  logprobs?: TokenLogprob[];
  /** Wall time of the whole call, retries included. */
  latencyMs: number;
}

/** A failed teacher call. `message` is plain words for the user; it never holds an API key. */
export interface TeacherFailure {
  ok: false;
  failure: TeacherFailureKind;
  message: string;
  latencyMs: number;
}

/** The outcome of one teacher call. */
export type TeacherResult = TeacherSuccess | TeacherFailure;

/** Anything that can guide a student rollout. */
export interface Teacher {
  /** Short display name ("built-in", "http:llama3.2@127.0.0.1:11434"). */
  readonly name: string;
  /** Reads one rollout and returns guidance or a classified failure; never rejects. */
  guide(req: TeacherRequest): Promise<TeacherResult>;
}
