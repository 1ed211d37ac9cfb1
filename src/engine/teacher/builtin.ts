/**
 * The built-in offline teacher: knows the item's ground truth (and worked steps when the task
 * source provides them) and writes first-person guidance in one of the four behaviours, with
 * varied wording. Instant and deterministic: the wording of one request depends only on the
 * seed, the item id and the response; the behaviour on those too ('random') or on the call
 * order ('round-robin').
 */
import { extractStudentAnswer, isMultipleChoice, isStudentCorrect } from './answer';
import { DEFAULT_CATCHPHRASE, catchphraseLead } from './catchphrase';
import { CHOICE_BODIES, ENDINGS, NO_STEP_BODIES, TEMPLATES } from './builtinTemplates';
import type { TemplateContext } from './builtinTemplates';
import { formatGuidance } from '../../contract/teacher';
import { hashParts, mulberry32, pick, type Rng } from '../random';
import { TeacherStats } from './stats';
import type { TaskItem } from '../tasks/types';
import { BEHAVIORS } from '../../contract/teacher';
import type { Teacher, TeacherRequest, TeacherResult } from './types';
import type { Behavior, Guidance } from '../../contract/teacher';

export { DEFAULT_CATCHPHRASE };

/** How the built-in teacher picks a behaviour for each request. */
export type BehaviorSelection = 'random' | 'round-robin';

/** Settings of the built-in teacher. */
export interface BuiltinTeacherOptions {
  /** Seed of every random choice (default 0). */
  seed?: number;
  /** 'random' (seeded, per request; default) or 'round-robin' over `behaviors`. */
  selection?: BehaviorSelection;
  /** The behaviours to use (default: all four). */
  behaviors?: readonly Behavior[];
  /** When set, the phrase quotes it exactly once ("This is what X would have said: '...'"). */
  catchphrase?: string;
  /**
   * Short guidance for students with small contexts: the reason's first sentence, no intro, and
   * worked steps without their intermediate chains (compactStep).
   */
  concise?: boolean;
  /**
   * What the phrase walks through: the item's worked steps ('steps'), the steps without their
   * intermediate chains ('compact', compactStep), or only the result ('answer'). Default:
   * 'compact' when concise, else 'steps'.
   */
  walkthrough?: Walkthrough;
}

export type Walkthrough = 'steps' | 'compact' | 'answer';

const LETTERS = 'ABCDEFGHIJ';

/** Ends a sentence with punctuation when it has none. */
function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * A worked step without its intermediate chain: "23 - 7 = 10 + 13 - 7 = 10 + 6 = $16." ->
 * "23 - 7 = $16." (the first expression and the final value of each equation chain).
 */
export function compactStep(step: string): string {
  const parts = step.split(' = ');
  return parts.length <= 2 ? step : `${parts[0]} = ${parts[parts.length - 1]}`;
}

/** The walk-through part of the phrase: worked steps, or a short computation / option pick. */
function walkThrough(item: TaskItem, rng: Rng, mode: Walkthrough): string {
  const answer = item.answer.trim();
  const steps = (mode === 'answer' ? [] : (item.steps ?? []))
    .map((s) => (mode === 'compact' ? compactStep(s.trim()) : s.trim()))
    .filter((s) => s.length > 0);
  let option = '';
  if (isMultipleChoice(item)) {
    const idx = LETTERS.indexOf(answer.toUpperCase());
    const text = idx >= 0 ? item.choices?.[idx]?.trim() : undefined;
    option = text ? `option ${answer} (${text})` : `option ${answer}`;
  }
  if (steps.length > 0) {
    const body = steps.map(sentence).join(' ');
    return option ? `${body} That matches ${option}.` : body;
  }
  return option ? pick(rng, CHOICE_BODIES)(option) : pick(rng, NO_STEP_BODIES)(answer);
}

/** Writes the guidance for one request (pure; `behavior` already chosen). */
export function writeGuidance(
  req: Pick<TeacherRequest, 'item' | 'response' | 'studentCorrect'>,
  behavior: Behavior,
  rng: Rng,
  catchphrase?: string,
  concise = false,
  mode: Walkthrough = concise ? 'compact' : 'steps',
): Guidance {
  const { item, response } = req;
  const answer = item.answer.trim();
  const studentAnswer = extractStudentAnswer(response, item);
  const correct = req.studentCorrect ?? isStudentCorrect(response, item);
  const numbers = item.prompt.match(/\d+(?:\.\d+)?/g) ?? [];
  const steps = item.steps ?? [];
  const ctx: TemplateContext = {
    studentAnswer: studentAnswer ?? (correct ? answer : null),
    step: steps.length > 0 ? compactIf(mode !== 'steps', pick(rng, steps).trim()) : null,
    number: numbers.length > 0 ? pick(rng, numbers) : null,
  };
  const table = TEMPLATES[behavior];
  const reasons =
    ctx.studentAnswer === null ? table.noAnswer : correct ? table.correct : table.incorrect;
  const fullReason = pick(rng, reasons)(ctx);
  // Concise: the reason's first sentence and no intro, for small students with short contexts.
  const reason = concise ? firstSentence(fullReason) : fullReason;
  const intro = concise ? '' : pick(rng, table.phraseIntros);
  const body = walkThrough(item, rng, mode);
  const ending = pick(rng, ENDINGS)(answer);
  const phrase = (
    catchphrase
      ? `${intro} ${catchphraseLead(catchphrase)} '${body}' ${ending}`
      : `${intro} ${body} ${ending}`
  ).trim();
  return { opinion: correct ? 'correct' : 'incorrect', reason, phrase, behavior };
}

function compactIf(compact: boolean, step: string): string {
  return compact ? compactStep(step) : step;
}

/** Text up to and including its first sentence end (. ! ?) followed by a space or the end. */
function firstSentence(text: string): string {
  const m = /^.*?[.!?](?=\s|$)/s.exec(text.trim());
  return m ? m[0] : text.trim();
}

/** The offline teacher that ships with the lab. */
export class BuiltinTeacher implements Teacher {
  readonly name = 'built-in';
  readonly stats = new TeacherStats();
  private readonly seed: number;
  private readonly selection: BehaviorSelection;
  private readonly behaviors: readonly Behavior[];
  private readonly catchphrase: string | undefined;
  private readonly concise: boolean;
  private readonly walkthrough: Walkthrough;
  private calls = 0;

  constructor(options: BuiltinTeacherOptions = {}) {
    this.seed = options.seed ?? 0;
    this.selection = options.selection ?? 'random';
    this.behaviors =
      options.behaviors && options.behaviors.length > 0 ? options.behaviors : BEHAVIORS;
    const phrase = options.catchphrase?.trim();
    this.catchphrase = phrase ? phrase : undefined;
    this.concise = options.concise ?? false;
    this.walkthrough = options.walkthrough ?? (this.concise ? 'compact' : 'steps');
  }

  /** Picks the behaviour for one request. */
  private chooseBehavior(req: TeacherRequest): Behavior {
    if (this.selection === 'round-robin') {
      return this.behaviors[this.calls % this.behaviors.length];
    }
    const rng = mulberry32(hashParts(this.seed, 'behavior', req.item.id, req.response));
    return pick(rng, this.behaviors);
  }

  async guide(req: TeacherRequest): Promise<TeacherResult> {
    const started = Date.now();
    const result = this.guideNow(req, started);
    this.stats.record(result);
    return result;
  }

  private guideNow(req: TeacherRequest, started: number): TeacherResult {
    const latencyMs = (): number => Date.now() - started;
    if (req.signal?.aborted) {
      return { ok: false, failure: 'cancelled', message: 'cancelled', latencyMs: latencyMs() };
    }
    if (typeof req.item?.answer !== 'string' || req.item.answer.trim() === '') {
      return {
        ok: false,
        failure: 'bad_request',
        message: `item ${req.item?.id ?? '(no id)'} has no ground-truth answer; the built-in teacher needs one`,
        latencyMs: latencyMs(),
      };
    }
    const behavior = this.chooseBehavior(req);
    this.calls += 1;
    const rng = mulberry32(hashParts(this.seed, 'wording', req.item.id, req.response));
    const guidance = writeGuidance(
      req,
      behavior,
      rng,
      this.catchphrase,
      this.concise,
      this.walkthrough,
    );
    return { ok: true, guidance, raw: formatGuidance(guidance), latencyMs: latencyMs() };
  }
}
