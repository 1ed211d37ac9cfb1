/**
 * STaR without rationalisation (Zelikman et al. 2022, arXiv 2203.14465): sample answers from the
 * student, keep the ones the verifier marks correct, fine-tune on them, iterate. One of the
 * paper's training baselines; the comparison (engine/experiments) runs it on the same budget as
 * GRPO: the same number of sampled rollouts and of updates on B x G sequences.
 *
 * Departures from the paper, for a lab-scale budget: each iteration continues from the current
 * weights (the paper restarts from the base model), there is no rationalisation step (a wrong
 * answer is never re-generated with the answer as a hint), and each iteration's SFT set is that
 * iteration's kept samples only.
 */
import type { RunConfig } from '../../contract/config';
import { starIterationSteps } from '../../contract/budget';
import type { StepMetrics } from '../../contract/metrics';
import type { CausalLM } from '../model/causalLM';
import { sample } from '../model/sample';
import { mixSeed, mulberry32 } from '../random';
import { gradeResponse } from '../tasks/grade';
import type { TaskItem } from '../tasks/types';
import type { Tokenizer } from '../tokenizer';
import { promptIds, type SftExample } from './examples';
import { runSftOnExamples } from './train';

/** One sampled answer, graded. */
export interface StarSample {
  itemId: string;
  prompt: number[];
  /** Response ids, EOS included when emitted. */
  response: number[];
  /** Ended with EOS (not cut at maxNewTokens). */
  finished: boolean;
  /** The extracted answer equals the item's. */
  correct: boolean;
}

export interface StarSelection {
  /** prompt + kept response, ready for SFT. */
  examples: SftExample[];
  /** Samples that were correct and finished, before removing duplicates and the cap. */
  correct: number;
  /** Identical (question, response) pairs dropped. */
  duplicates: number;
  /** Questions with at least one kept response. */
  questionsSolved: number;
}

/**
 * The filter: keep_i = correct_i && finished_i. A response kept without EOS would teach the
 * student not to stop, so finishing is required even when the reward does not require it.
 * Identical responses to one question count once; at most `maxPerQuestion` per question, in
 * sample order.
 */
export function selectStarExamples(
  samples: readonly StarSample[],
  maxPerQuestion = Infinity,
): StarSelection {
  const seen = new Set<string>();
  const perQuestion = new Map<string, number>();
  const examples: SftExample[] = [];
  let correct = 0;
  let duplicates = 0;
  for (const s of samples) {
    if (!(s.correct && s.finished)) continue;
    correct++;
    const key = `${s.itemId}\u0000${s.response.join(',')}`;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    const n = perQuestion.get(s.itemId) ?? 0;
    if (n >= maxPerQuestion) continue;
    perQuestion.set(s.itemId, n + 1);
    examples.push({ prompt: s.prompt, completion: s.response });
  }
  return { examples, correct, duplicates, questionsSolved: perQuestion.size };
}

export interface StarOptions {
  /** rl.* sets the sampling (B, G, temperature, topP, maxNewTokens); sft.* the optimizer. */
  config: RunConfig;
  /** Updates in all, split over the iterations (starIterationSteps). */
  updates: number;
  iterations: number;
  /** Constant learning rate of the SFT updates. */
  lr: number;
  /** Sequences per update. */
  batchSize: number;
  /** Questions sampled per update: an iteration of k updates samples k x this many x G. */
  questionsPerUpdate: number;
  seed: number;
  /** Whether a response is right (default: the verifier, gradeResponse; tests inject one). */
  grade?: (item: TaskItem, text: string, finished: boolean) => boolean;
  /**
   * Called after each iteration with its metrics: one row, `step` = the updates planned so far
   * (the x axis shared with RL steps), `star/updates` = the updates made (none without kept).
   */
  onIteration?: (m: StepMetrics) => void | Promise<void>;
  shouldStop?: () => boolean;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Runs STaR on `model` in place; returns one metrics row per iteration. */
export async function runStar(
  model: CausalLM,
  tok: Tokenizer,
  items: readonly TaskItem[],
  o: StarOptions,
): Promise<StepMetrics[]> {
  if (items.length === 0) throw new Error('STaR needs at least one training question.');
  const c = o.config;
  const G = c.rl.groupSize;
  const order = shuffledCycle(items.length, mixSeed(o.seed, 0x57a));
  const history: StepMetrics[] = [];
  let done = 0;
  let planned = 0;
  const plan = starIterationSteps(o.updates, o.iterations);
  for (let it = 0; it < plan.length; it++) {
    if (o.shouldStop?.()) break;
    const t0 = performance.now();
    planned += plan[it];
    const questions = Array.from({ length: plan[it] * o.questionsPerUpdate }, () => items[order()]);
    const samples = await sampleGraded(model, tok, questions, G, c, mixSeed(o.seed, it), o);
    const sel = selectStarExamples(samples);
    const losses: number[] = [];
    if (sel.examples.length > 0 && plan[it] > 0 && !o.shouldStop?.()) {
      const r = await runSftOnExamples(model, tok.padId, sel.examples, {
        config: {
          seed: mixSeed(o.seed, it, 0x5f),
          data: c.data,
          sft: {
            ...c.sft,
            steps: plan[it],
            batchSize: o.batchSize,
            lr: o.lr,
            minLr: o.lr,
            warmupSteps: 0,
          },
        },
        onStep: (m) => void losses.push(m.loss),
        shouldStop: o.shouldStop,
      });
      done += r.history.length;
    }
    const lengths = samples.map((s) => s.response.length);
    const m: StepMetrics = {
      step: planned,
      'star/iteration': it + 1,
      // the same name as RL's own-rollout accuracy: mean_i [correct_i && finished_i]
      accuracy: mean(samples.map((s) => (s.correct && s.finished ? 1 : 0))),
      'completions/mean_length': mean(lengths),
      'completions/min_length': lengths.length ? Math.min(...lengths) : 0,
      'completions/max_length': lengths.length ? Math.max(...lengths) : 0,
      'completions/clipped_ratio': mean(samples.map((s) => (s.finished ? 0 : 1))),
      'star/samples': samples.length,
      'star/kept': sel.examples.length,
      'star/duplicates': sel.duplicates,
      'star/questions_solved': sel.questionsSolved,
      'star/updates': done,
      loss: mean(losses),
      step_time: (performance.now() - t0) / 1000,
    };
    history.push(m);
    await o.onIteration?.(m);
  }
  return history;
}

/** G samples per question at the RL sampling settings, graded; B x G rows per `sample` call. */
async function sampleGraded(
  model: CausalLM,
  tok: Tokenizer,
  questions: readonly TaskItem[],
  G: number,
  c: RunConfig,
  seed: number,
  o: Pick<StarOptions, 'shouldStop' | 'questionsPerUpdate' | 'grade'>,
): Promise<StarSample[]> {
  const grade =
    o.grade ??
    ((item: TaskItem, text: string, finished: boolean) =>
      gradeResponse(item, text, { endedWithEos: finished }).correct);
  const out: StarSample[] = [];
  const per = Math.max(1, o.questionsPerUpdate);
  for (let start = 0; start < questions.length; start += per) {
    if (o.shouldStop?.()) break;
    const chunk = questions.slice(start, start + per);
    const prompts = chunk.map((it) => promptIds(tok, it, c.data.promptSuffix));
    const res = await sample(
      model,
      prompts.flatMap((p) => Array.from({ length: G }, () => p)),
      {
        maxNewTokens: c.rl.maxNewTokens,
        temperature: c.rl.temperature,
        topP: c.rl.topP,
        seed: mixSeed(seed, start),
        eosId: tok.eosId,
        padId: tok.padId,
        shouldStop: o.shouldStop,
      },
    );
    res.tokens.forEach((ids, i) => {
      const item = chunk[Math.floor(i / G)];
      const text = tok.decode(ids, { skipSpecial: true });
      const finished = res.finished[i];
      out.push({
        itemId: item.id,
        prompt: prompts[Math.floor(i / G)],
        response: ids,
        finished,
        correct: grade(item, text, finished),
      });
    });
  }
  return out;
}

/** Indices 0..n-1 in passes over fresh seeded shuffles (Fisher-Yates), like the RL trainer's. */
function shuffledCycle(n: number, seed: number): () => number {
  const rng = mulberry32(seed);
  let order: number[] = [];
  let cursor = 0;
  return () => {
    if (cursor >= order.length) {
      order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      cursor = 0;
    }
    return order[cursor++];
  };
}
