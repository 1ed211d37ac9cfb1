/**
 * Live alarms: pure detectors over the metrics stream (one row per RL step, the names
 * src/engine/loop/stepMetrics.ts emits, eval/* merged in at evaluated steps). Each alarm names
 * the steps that set it off and says in one sentence what it usually means. Shared by the page
 * (live run and saved runs alike: it only needs the rows) and tests; no tfjs.
 */

/** One metrics row: `step` (from 1) and named numbers. */
export type MetricsRow = Record<string, number>;

export type AlarmKind =
  | 'entropy-collapse'
  | 'length-limit'
  | 'zero-spread'
  | 'clip-spike'
  | 'kl-spike'
  | 'reward-hacking'
  | 'teacher-failing';

/** Thresholds (the alarms panel edits them; kept in this browser, not in the run's config). */
export interface AlarmSettings {
  /** Entropy collapse: entropy at most this fraction of the run's first-steps entropy. */
  entropyFraction: number;
  /** Length at the limit: share of unguided rollouts truncated (completions/clipped_ratio). */
  truncationShare: number;
  /** Zero spread: share of groups whose rewards are all equal (frac_reward_zero_std). */
  zeroSpreadShare: number;
  /** Clip spike: share of tokens in the clipped region (clip_ratio/region_mean). */
  clipRatio: number;
  /** KL spike: mean k3 KL to the reference (kl). */
  kl: number;
  /** Reward hacking: reward gain and held-out accuracy drop between two evaluations. */
  rewardRise: number;
  evalDrop: number;
  /** Teacher failing: failed teacher calls in one step (thinktuning/teacher_failures). */
  teacherFailures: number;
  /** Steps in a row a condition must hold (entropy, truncation, zero spread). */
  minSteps: number;
}

export const DEFAULT_ALARM_SETTINGS: AlarmSettings = {
  entropyFraction: 0.2,
  truncationShare: 0.5,
  zeroSpreadShare: 0.75,
  clipRatio: 0.2,
  kl: 0.5,
  rewardRise: 0.1,
  evalDrop: 0.05,
  teacherFailures: 1,
  minSteps: 3,
};

/** Steps the entropy baseline averages (the first rows of the run). */
export const ENTROPY_BASELINE_STEPS = 3;

export interface Alarm {
  kind: AlarmKind;
  /** First and last step (inclusive, from 1) of the range that set it off. */
  from: number;
  to: number;
  /** What was seen, with numbers ("truncated share ≥ 0.5 for 4 steps (max 1.00)"). */
  detail: string;
  /** What it usually means, in one sentence. */
  meaning: string;
}

export const ALARM_TITLES: Record<AlarmKind, string> = {
  'entropy-collapse': 'Entropy collapse',
  'length-limit': 'Responses at the length limit',
  'zero-spread': 'Zero-spread groups dominate',
  'clip-spike': 'Clip ratio spike',
  'kl-spike': 'KL spike',
  'reward-hacking': 'Reward up, held-out accuracy down',
  'teacher-failing': 'Teacher failing',
};

export const ALARM_MEANINGS: Record<AlarmKind, string> = {
  'entropy-collapse':
    'The policy has become nearly deterministic, so rollouts in a group look alike, advantages vanish and exploration stops; raise the temperature or lower the learning rate.',
  'length-limit':
    'Responses run into maxNewTokens without ending, so they are graded as unfinished and the run learns to ramble; raise rl.maxNewTokens or reward ending sooner.',
  'zero-spread':
    'Most groups got equal rewards (all right or all wrong), so their advantages are zero and the step learns from few rollouts; the task is too easy or too hard for the student.',
  'clip-spike':
    'Many tokens moved past the clip range in one step, which usually means the learning rate is too high or the policy changed abruptly (stale or off-policy data).',
  'kl-spike':
    'The student drifted far from the reference model in one step, which usually precedes degenerate text; lower the learning rate or raise the KL coefficient.',
  'reward-hacking':
    'Training reward went up while held-out accuracy went down: the student is exploiting the reward (format, phrase, length) rather than solving the task.',
  'teacher-failing':
    'Teacher calls failed (timeouts, bad replies, rate limits), so fewer rollouts were guided and ThinkTuning falls back toward plain GRPO; check the teacher panel.',
};

const finite = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Maximal runs of consecutive rows where `pred` holds, at least `minLen` rows long. */
export function stepRuns(
  rows: readonly MetricsRow[],
  pred: (r: MetricsRow) => boolean,
  minLen: number,
): Array<{ from: number; to: number; rows: MetricsRow[] }> {
  const out: Array<{ from: number; to: number; rows: MetricsRow[] }> = [];
  let cur: MetricsRow[] = [];
  const flush = () => {
    if (cur.length >= Math.max(1, minLen))
      out.push({ from: cur[0].step, to: cur[cur.length - 1].step, rows: cur });
    cur = [];
  };
  for (const r of rows) {
    if (pred(r)) cur.push(r);
    else flush();
  }
  flush();
  return out;
}

const maxOf = (rows: MetricsRow[], key: string) => Math.max(...rows.map((r) => r[key]));
const minOf = (rows: MetricsRow[], key: string) => Math.min(...rows.map((r) => r[key]));
const f2 = (v: number) => v.toFixed(2);
const len = (n: number) => `${n} step${n === 1 ? '' : 's'}`;

/** A metric at or above a threshold for `minLen` steps in a row. */
function atLeast(
  rows: readonly MetricsRow[],
  kind: AlarmKind,
  key: string,
  threshold: number,
  minLen: number,
  what: string,
): Alarm[] {
  return stepRuns(rows, (r) => finite(r[key]) && r[key] >= threshold, minLen).map((x) => ({
    kind,
    from: x.from,
    to: x.to,
    detail: `${what} ≥ ${threshold} for ${len(x.rows.length)} (max ${f2(maxOf(x.rows, key))})`,
    meaning: ALARM_MEANINGS[kind],
  }));
}

/** Entropy ≤ fraction × mean entropy of the first ENTROPY_BASELINE_STEPS rows, minSteps in a row. */
export function entropyCollapse(rows: readonly MetricsRow[], s: AlarmSettings): Alarm[] {
  const base = rows
    .slice(0, ENTROPY_BASELINE_STEPS)
    .map((r) => r.entropy)
    .filter(finite);
  if (base.length < ENTROPY_BASELINE_STEPS) return [];
  const baseline = base.reduce((a, b) => a + b, 0) / base.length; // H0 = mean of first steps
  if (baseline <= 0) return [];
  const limit = s.entropyFraction * baseline; // collapse: H_t ≤ f · H0
  return stepRuns(rows, (r) => finite(r.entropy) && r.entropy <= limit, s.minSteps).map((x) => ({
    kind: 'entropy-collapse',
    from: x.from,
    to: x.to,
    detail: `entropy ≤ ${f2(limit)} (${s.entropyFraction} × start ${f2(baseline)}) for ${len(x.rows.length)} (min ${f2(minOf(x.rows, 'entropy'))})`,
    meaning: ALARM_MEANINGS['entropy-collapse'],
  }));
}

/**
 * Between two consecutive evaluated rows a and b: reward(b) − reward(a) ≥ rewardRise and
 * eval/accuracy(a) − eval/accuracy(b) ≥ evalDrop. Reward is the mean of the rows since a.
 */
export function rewardHacking(rows: readonly MetricsRow[], s: AlarmSettings): Alarm[] {
  const evals = rows.filter((r) => finite(r['eval/accuracy']));
  const out: Alarm[] = [];
  for (let k = 1; k < evals.length; k++) {
    const a = evals[k - 1];
    const b = evals[k];
    const window = rows.filter((r) => r.step > a.step && r.step <= b.step && finite(r.reward));
    const before = rows.filter((r) => r.step <= a.step && r.step > a.step - window.length);
    if (!window.length || !before.length) continue;
    const mean = (xs: MetricsRow[]) => xs.reduce((t, r) => t + r.reward, 0) / xs.length;
    const rise = mean(window) - mean(before); // Δreward = mean over (a, b] − mean over the same span up to a
    const drop = a['eval/accuracy'] - b['eval/accuracy']; // Δacc = acc(a) − acc(b)
    if (rise >= s.rewardRise && drop >= s.evalDrop)
      out.push({
        kind: 'reward-hacking',
        from: a.step,
        to: b.step,
        detail: `reward +${f2(rise)} while held-out accuracy −${f2(drop)} (${f2(a['eval/accuracy'])} → ${f2(b['eval/accuracy'])})`,
        meaning: ALARM_MEANINGS['reward-hacking'],
      });
  }
  return out;
}

/** Every alarm over the rows (sorted by step), in a stable order: by first step, then kind. */
export function detectAlarms(
  rows: readonly MetricsRow[],
  s: AlarmSettings = DEFAULT_ALARM_SETTINGS,
): Alarm[] {
  const sorted = [...rows].sort((a, b) => a.step - b.step);
  const all = [
    ...entropyCollapse(sorted, s),
    ...atLeast(
      sorted,
      'length-limit',
      'completions/clipped_ratio',
      s.truncationShare,
      s.minSteps,
      'truncated share',
    ),
    ...atLeast(
      sorted,
      'zero-spread',
      'frac_reward_zero_std',
      s.zeroSpreadShare,
      s.minSteps,
      'zero-spread groups',
    ),
    ...atLeast(sorted, 'clip-spike', 'clip_ratio/region_mean', s.clipRatio, 1, 'clip ratio'),
    ...atLeast(sorted, 'kl-spike', 'kl', s.kl, 1, 'KL'),
    ...rewardHacking(sorted, s),
    ...atLeast(
      sorted,
      'teacher-failing',
      'thinktuning/teacher_failures',
      s.teacherFailures,
      1,
      'failed teacher calls',
    ),
  ];
  const order = Object.keys(ALARM_TITLES);
  return all.sort((a, b) => a.from - b.from || order.indexOf(a.kind) - order.indexOf(b.kind));
}

/** Settings from stored JSON: known finite non-negative numbers kept, the rest defaulted. */
export function parseAlarmSettings(raw: unknown): AlarmSettings {
  const out = { ...DEFAULT_ALARM_SETTINGS };
  if (raw && typeof raw === 'object')
    for (const k of Object.keys(out) as Array<keyof AlarmSettings>) {
      const v = (raw as Record<string, unknown>)[k];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = v;
    }
  return out;
}
