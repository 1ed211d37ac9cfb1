/**
 * What the compare view does: run or stop the paper's comparison in the worker, pick the runs to
 * overlay. Plain functions over the store, like actions.ts.
 */
import { configProblem } from './actions';
import { useLab } from './labStore';
import { COMPARISON_IDLE } from './slices';
import { currentWorkerClient } from './workerClient';

/** Runs the comparison on the config being edited (its rl.* budget, sft.* warm-up, seed). */
export function startComparison(starIterations?: number): void {
  const s = useLab.getState();
  const problem = configProblem(s.config);
  if (problem) {
    useLab.setState({ errors: [...s.errors, `Cannot run the comparison: ${problem}`] });
    return;
  }
  const client = currentWorkerClient();
  if (!client) return;
  const config = structuredClone(s.config);
  const now = new Date();
  const label = `comparison ${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`;
  const id = client.send({
    label,
    type: 'compare',
    config,
    extras: { apiKey: s.apiKey || undefined, prompt: s.prompt },
    ...(starIterations !== undefined ? { starIterations } : {}),
  });
  useLab.setState({ comparison: { ...COMPARISON_IDLE, id, label, status: 'running', config } });
}

export function stopComparison(): void {
  currentWorkerClient()?.send({ type: 'compare-stop' });
}

/** Selects exactly these runs (order = legend order). */
export function setCompareSelection(ids: string[]): void {
  useLab.setState({ compareSelection: ids });
}

/** Adds or removes one run from the current selection (`current` = what is shown now). */
export function toggleCompareRun(id: string, current: readonly string[]): void {
  setCompareSelection(current.includes(id) ? current.filter((x) => x !== id) : [...current, id]);
}

const loading = new Set<string>();

/**
 * Loads the metrics of saved runs the compare view shows (the worker reads its run store:
 * protocol read-metrics). Runs whose metrics cannot be read are reported and left empty.
 */
export async function loadStoredMetrics(ids: readonly string[]): Promise<void> {
  const missing = ids.filter((id) => !(id in useLab.getState().storedMetrics) && !loading.has(id));
  if (missing.length === 0) return;
  missing.forEach((id) => loading.add(id));
  try {
    const client = currentWorkerClient();
    if (!client)
      throw new Error('the trainer worker has not started yet: wait for the page to load.');
    const reply = await client.request({ type: 'read-metrics', runIds: missing }, 'run-metrics');
    useLab.setState((s) => ({ storedMetrics: { ...s.storedMetrics, ...reply.metrics } }));
  } catch (e) {
    useLab.setState((s) => ({
      errors: [...s.errors, `Could not read the saved runs' metrics: ${(e as Error).message}`],
      storedMetrics: { ...s.storedMetrics, ...Object.fromEntries(missing.map((id) => [id, []])) },
    }));
  } finally {
    missing.forEach((id) => loading.delete(id));
  }
}
