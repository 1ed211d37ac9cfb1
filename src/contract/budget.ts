/**
 * The equal-compute budget of the paper's comparison at lab scale. Every trained arm starts from
 * the same warm-up weights and makes the same number of optimizer updates on the same number of
 * sequences per update; the arms that sample (STaR, GRPO, ThinkTuning) sample the same number of
 * rollouts at the same settings. Pure: the comparison, the CLI and the UI show the same numbers.
 */
import type { RunConfig } from './config';

export interface ComparisonBudget {
  /** RL steps (rl.steps). */
  rlSteps: number;
  /** Optimizer updates per trained arm: rl.steps x rl.miniBatches x rl.epochs. */
  updates: number;
  /** Sequences per update: ceil(B x G / rl.miniBatches). */
  rowsPerUpdate: number;
  /** Rollouts sampled by each sampling arm: rl.steps x B x G. */
  rollouts: number;
  /** Questions sampled per update (STaR): ceil(B / rl.miniBatches) ... at least 1. */
  questionsPerUpdate: number;
  /** STaR: updates per iteration. */
  starSteps: number[];
  /** Constant learning rate of the SFT and STaR arms: the warm-up's final rate (sft.minLr). */
  sftLr: number;
  /** Warm-up SFT steps shared by every arm (sft.steps). */
  warmupSteps: number;
  /** Held-out questions every arm is evaluated on (greedy). */
  evalQuestions: number;
}

/** Splits `updates` over `iterations`, earlier ones taking the remainder: 10 over 4 -> [3,3,2,2]. */
export function starIterationSteps(updates: number, iterations: number): number[] {
  if (!(Number.isInteger(updates) && updates >= 0))
    throw new Error(`STaR: updates must be a whole number >= 0 (got ${updates}).`);
  if (!(Number.isInteger(iterations) && iterations >= 1))
    throw new Error(`STaR: iterations must be a whole number >= 1 (got ${iterations}).`);
  const n = Math.min(iterations, Math.max(1, updates));
  const base = Math.floor(updates / n);
  return Array.from({ length: n }, (_, i) => base + (i < updates % n ? 1 : 0));
}

/** Default STaR iterations (fewer when the budget has fewer updates). */
export const DEFAULT_STAR_ITERATIONS = 4;

export function comparisonBudget(
  c: RunConfig,
  starIterations = DEFAULT_STAR_ITERATIONS,
): ComparisonBudget {
  const B = c.rl.questionsPerStep;
  const G = c.rl.groupSize;
  // updates = steps * miniBatches * epochs
  const updates = c.rl.steps * c.rl.miniBatches * c.rl.epochs;
  return {
    rlSteps: c.rl.steps,
    updates,
    rowsPerUpdate: Math.ceil((B * G) / c.rl.miniBatches),
    rollouts: c.rl.steps * B * G,
    // STaR samples rl.steps x B questions over `updates` updates
    questionsPerUpdate: Math.max(1, Math.ceil((c.rl.steps * B) / Math.max(1, updates))),
    starSteps: starIterationSteps(updates, starIterations),
    sftLr: c.sft.minLr,
    warmupSteps: c.sft.steps,
    evalQuestions: c.eval.size,
  };
}

/** The budget in words, one line per arm (the Markdown table's footnote and the UI's). */
export function describeBudget(b: ComparisonBudget, c: RunConfig): string[] {
  const B = c.rl.questionsPerStep;
  const G = c.rl.groupSize;
  return [
    `All arms start from one warm-up (${b.warmupSteps} SFT steps) with seed ${c.seed} and are scored greedily on the same ${b.evalQuestions} held-out questions.`,
    `Zero-shot: the warm-up model as is.`,
    `SFT: ${b.updates} more updates of ${b.rowsPerUpdate} worked solutions each at lr ${b.sftLr}.`,
    `STaR: ${b.starSteps.length} iterations (${b.starSteps.join(' + ')} updates); each samples ${b.questionsPerUpdate} questions x ${G} per update at temperature ${c.rl.temperature}, keeps correct answers that ended with EOS and fine-tunes on them (${b.rowsPerUpdate} per update, lr ${b.sftLr}).`,
    `GRPO and ThinkTuning: ${b.rlSteps} steps of ${B} questions x ${G} rollouts (${b.rollouts} rollouts), ${b.updates} updates at lr ${c.rl.lr}; ThinkTuning's teacher (${c.teacher.kind}) adds guidance to some rollouts at no student compute.`,
  ];
}
