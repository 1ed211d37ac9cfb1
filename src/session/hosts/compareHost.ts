/**
 * The paper's comparison (engine/experiments): its own students from one warm-up, so the lab's
 * student is untouched; each trained arm is saved as a finished run.
 */
import { parseConfig } from '../../contract/config';
import { describeBudget } from '../../contract/budget';
import { runComparison } from '../../engine/experiments/comparison';
import type { Method } from '../../contract/resultsTable';
import type { StepMetrics } from '../../contract/metrics';
import { teacherFromSettings } from '../teacherFactory';
import type { CommandOf, SessionContext } from './context';
import type { LibraryHost } from './libraryHost';

export class CompareHost {
  /** Stops the comparison in progress (null when none runs). */
  private comparison: AbortController | null = null;

  constructor(
    private readonly ctx: SessionContext,
    private readonly library: LibraryHost,
    /** Whether a training run is active (the comparison then refuses to start). */
    private readonly training: () => boolean,
  ) {}

  /** Runs the comparison; the dispatcher holds its queue meanwhile (a start waits for it). */
  async compare(cmd: CommandOf<'compare'>): Promise<void> {
    const { id, config, extras, starIterations } = cmd;
    const { host } = this.ctx;
    if (this.training())
      throw new Error(
        'Stop the training run before running the comparison: both need the CPU/GPU.',
      );
    const valid = parseConfig(config);
    const abort = new AbortController();
    this.comparison = abort;
    const histories = new Map<Method, StepMetrics[]>();
    try {
      const teacher = teacherFromSettings(valid, { teacher: valid.teacher, ...extras }, host.fetch);
      const result = await runComparison(valid, {
        readText: host.readText,
        readStudentFile: host.readStudentFile,
        teacher,
        starIterations,
        signal: abort.signal,
        onProgress: (progress) => host.post({ type: 'compare-progress', id, progress }),
        onArmStep: (method, m) => {
          histories.set(method, [...(histories.get(method) ?? []), m]);
          host.post({ type: 'compare-metrics', id, method, metrics: [m] });
        },
        onRow: async (row) => {
          const arm = histories.get(row.method);
          const runId = await this.library.saveArm(valid, cmd.label, row.method, arm);
          host.post({ type: 'compare-row', id, row, ...(runId ? { runId } : {}) });
        },
      });
      const { warmup: _warmup, ...rest } = result;
      host.post({
        type: 'compare-done',
        id,
        result: rest,
        budgetText: describeBudget(result.budget, valid),
      });
    } finally {
      this.comparison = null;
    }
  }

  /** Stops the comparison after its current step; the finished rows are kept. */
  stop(): void {
    this.comparison?.abort();
  }
}
