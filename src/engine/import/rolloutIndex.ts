/**
 * Collects rollouts as they stream in, groups them by (step, prompt) and packs the per-rollout
 * values into typed columns: the index an imported run keeps in memory.
 */
import {
  MAX_PROBLEMS,
  type FormatFacts,
  type ImportedGroup,
  type ImportedRun,
  type ImportFormat,
  type ImportProblem,
  type ImportSource,
  type RolloutRef,
} from '../../contract/importedRun';

/** One rollout as a parser hands it over. */
export interface RolloutInput {
  step: number;
  prompt: string;
  groundTruth?: string | null;
  reward: number;
  /** NaN or undefined: the format has none. */
  advantage?: number;
  components?: Record<string, number>;
  ref: RolloutRef;
  /**
   * Group key within the step when the format has one (the lab's group number); otherwise the
   * prompt text groups the rollouts.
   */
  groupKey?: string;
}

interface GroupBuild {
  step: number;
  prompt: string;
  groundTruth: string | null;
  members: number[];
}

export class RolloutIndexBuilder {
  private readonly groups = new Map<string, GroupBuild>();
  private readonly reward: number[] = [];
  private readonly advantage: number[] = [];
  private readonly componentIds = new Map<string, number>();
  private readonly components: number[][] = [];
  private readonly refs: RolloutRef[] = [];
  readonly problems: ImportProblem[] = [];
  problemCount = 0;
  duplicates = 0;

  /** Records a problem (the first MAX_PROBLEMS are kept, all are counted). */
  problem(p: ImportProblem): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(p);
  }

  get size(): number {
    return this.reward.length;
  }

  add(r: RolloutInput): void {
    const i = this.reward.length;
    this.reward.push(r.reward);
    this.advantage.push(r.advantage ?? Number.NaN);
    for (const [name, value] of Object.entries(r.components ?? {})) {
      let k = this.componentIds.get(name);
      if (k === undefined) {
        k = this.components.length;
        this.componentIds.set(name, k);
        this.components.push([]);
      }
      this.components[k][i] = value;
    }
    this.refs.push(r.ref);
    const key = `${r.step}\u0000${r.groupKey ?? r.prompt}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { step: r.step, prompt: r.prompt, groundTruth: r.groundTruth ?? null, members: [] };
      this.groups.set(key, g);
    }
    g.members.push(i);
  }

  /** The finished index: groups in step order (then first appearance), columns packed. */
  finish(
    format: ImportFormat,
    name: string,
    files: ImportSource[],
    facts: FormatFacts,
  ): ImportedRun {
    const n = this.reward.length;
    const built = [...this.groups.values()].map((g, seq) => ({ g, seq }));
    built.sort((a, b) => a.g.step - b.g.step || a.seq - b.seq);
    const order = new Int32Array(n);
    const groups: ImportedGroup[] = [];
    let at = 0;
    let lastStep = Number.NaN;
    let indexInStep = 0;
    for (const { g } of built) {
      indexInStep = g.step === lastStep ? indexInStep + 1 : 0;
      lastStep = g.step;
      let sum = 0;
      for (const m of g.members) sum += this.reward[m];
      order.set(g.members, at);
      groups.push({
        step: g.step,
        index: indexInStep,
        prompt: g.prompt,
        groundTruth: g.groundTruth,
        start: at,
        count: g.members.length,
        meanReward: sum / g.members.length, // mean of the group's rewards
      });
      at += g.members.length;
    }
    const column = (values: number[]) => {
      const out = new Float64Array(n).fill(Number.NaN);
      values.forEach((v, i) => (out[i] = v));
      return out;
    };
    return {
      format,
      name,
      files,
      facts,
      steps: [...new Set(groups.map((g) => g.step))],
      groups,
      order,
      reward: Float64Array.from(this.reward),
      advantage: Float64Array.from(this.advantage),
      componentNames: [...this.componentIds.keys()],
      components: this.components.map(column),
      refs: this.refs,
      problems: this.problems,
      problemCount: this.problemCount,
      duplicates: this.duplicates,
      bytes: files.reduce((s, f) => s + f.size, 0),
    };
  }
}
