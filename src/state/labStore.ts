import { create } from 'zustand';
import type { RunConfig } from '../contract/config';
import type { Method, ResultsRow } from '../contract/resultsTable';
import type { StepMetrics } from '../contract/metrics';
import { assertNever, type WorkerEvent } from '../session/protocol';
import { comparisonArm, labRun, mergeRuns } from './compareRuns';
import { applyCounterfactualEvent } from './counterfactualStore';
import { defaultPresetFor } from './defaultPreset';
import { presetConfig } from '../contract/presets';
import { warmupStepsOf } from '../contract/students';
import { IDLE_PROGRESS, initialLabState, type LabState, type PendingControl } from './slices';
import type { RunProgress } from '../session/protocol';
import { applySearchEvent } from './searchStore';
import { applyStageEvent } from './stageStore';

export type { LabState, WorkerStatus, ColorMode, RunNote } from './slices';

/** The one store of the page, built from the slices in slices.ts. */
export const useLab = create<LabState>()(() => initialLabState());

/** Back to the initial state (tests). */
export function resetLab(): void {
  useLab.setState(initialLabState(), true);
}

const MAX_NOTES = 200;
const MAX_LOGS = 200;
const MAX_ERRORS = 20;

/**
 * With no preset in the link and none picked yet, the page's preset follows the backend the
 * worker found (defaultPreset.ts), keeping the teacher settings; the reason is shown in one line.
 */
function followBackendDefault(): void {
  const s = useLab.getState();
  if (s.presetSource !== 'default' || !s.backend) return;
  const active = s.progress.status === 'running' || s.progress.status === 'paused';
  if (active) return;
  const choice = defaultPresetFor(s.backend, s.adapter, s.probeMs);
  const config = presetConfig(choice.preset);
  config.teacher = structuredClone(s.config.teacher);
  useLab.setState({ preset: choice.preset, config, presetNote: choice.note });
}

/** A pressed control stays pending until the worker's progress shows it taken. */
export function stillPending(pending: PendingControl, p: RunProgress): PendingControl {
  const ended = p.status === 'done' || p.status === 'stopped' || p.status === 'failed';
  if (pending === null || ended || p.status === 'idle') return null;
  if (pending === 'stop') return p.status === 'stopping' ? null : pending;
  if (pending === 'pause') return p.status === 'running' ? pending : null;
  return p.waiting ? null : pending; // step once: until the step is done and the run waits
}

/** Applies one worker event to the store (a plain function, testable without React). */
export function applyWorkerEvent(e: WorkerEvent): void {
  switch (e.type) {
    case 'ready':
      useLab.setState({
        status: 'ready',
        backend: e.backend,
        adapter: e.adapter,
        backendReason: e.reason,
        backendThreads: e.threads ?? null,
        model: e.model,
        probeMs: e.probeMs,
      });
      followBackendDefault();
      return;
    case 'samples':
      useLab.setState({
        status: 'ready',
        completions: e.completions,
        sampleStats: { tokensPerSecond: e.tokensPerSecond, ms: e.ms },
      });
      return;
    case 'model':
      useLab.setState((s) => ({
        status: s.status === 'busy' ? 'ready' : s.status,
        model: e.model,
      }));
      return;
    case 'run-started':
      useLab.setState((s) => ({
        // The run before stays comparable (compare view).
        savedRuns:
          s.run !== null && s.runConfig && s.history.length > 0
            ? mergeRuns(s.savedRuns, [
                labRun(
                  s.run,
                  s.runConfig,
                  s.history,
                  s.runStartedAt ?? Date.now(),
                  s.currentRunId,
                  s.runName,
                ),
              ])
            : s.savedRuns,
        runStartedAt: Date.now(),
        run: e.run,
        runConfig: e.config,
        runName: e.name,
        pendingControl: null,
        currentRunId: e.runId ?? null,
        progress: {
          ...IDLE_PROGRESS,
          status: 'running',
          phase: 'preparing',
          totalSteps: e.config.rl.steps,
          sftSteps: warmupStepsOf(e.config),
        },
        notes: [],
        failureTotals: {},
        history: [],
        sftHistory: [],
        stored: null,
        inspectStep: null,
        inspectGroup: 0,
        inspectGroupPinned: false,
        inspected: null,
      }));
      return;
    case 'progress':
      if (e.run !== useLab.getState().run) return;
      useLab.setState((s) => ({
        progress: e.progress,
        pendingControl: stillPending(s.pendingControl, e.progress),
        // A halted run that trains again (resume, step once) is no longer halted.
        halted: s.halted && e.progress.status === 'paused' ? s.halted : null,
      }));
      return;
    case 'sft-metrics':
      if (e.run !== useLab.getState().run) return;
      useLab.setState((s) => ({ sftHistory: [...s.sftHistory, ...e.metrics] }));
      return;
    case 'metrics':
      if (e.run !== useLab.getState().run) return;
      useLab.setState((s) => {
        const totals = { ...s.failureTotals };
        for (const [k, n] of Object.entries(e.teacherFailures)) totals[k] = (totals[k] ?? 0) + n;
        const notes = e.notes.length
          ? [...s.notes, ...e.notes.map((text) => ({ step: e.step, text }))].slice(-MAX_NOTES)
          : s.notes;
        return {
          history: [...s.history, e.metrics],
          failureTotals: totals,
          notes,
          stored: e.stored,
        };
      });
      return;
    case 'trajectories':
      useLab.setState((s) => {
        // Pushed steps replace the view only while the inspector follows the latest step.
        if (e.id === null && s.inspectStep !== null) return {};
        const groups = new Set(e.trajectories.map((t) => t.group)).size;
        // Until the user picks a question, the latest step opens on one the teacher guided.
        const guided = e.trajectories.find((t) => t.guided)?.group;
        const group =
          !s.inspectGroupPinned && e.id === null && guided !== undefined
            ? guided
            : s.inspectGroup < groups
              ? s.inspectGroup
              : 0;
        return {
          inspected: { step: e.step, trajectories: e.trajectories },
          inspectGroup: group,
        };
      });
      return;
    case 'connection':
      useLab.setState({ connection: { pending: false, report: e.report } });
      return;
    case 'exported':
      useLab.setState((s) => ({
        logs: [
          ...s.logs.slice(-(MAX_LOGS - 1)),
          `Exported ${e.steps.length === 1 ? `step ${e.steps[0]}` : `${e.steps.length} steps`} as ${e.filename}`,
        ],
      }));
      return;
    case 'config-applied':
      if (e.applied.length === 0) return;
      useLab.setState((s) => ({
        logs: [
          ...s.logs.slice(-(MAX_LOGS - 1)),
          `Applied from the next step: ${e.applied.join(', ')}`,
        ],
      }));
      return;
    case 'compare-progress':
    case 'compare-metrics':
    case 'compare-row':
    case 'compare-done':
      applyComparisonEvent(e);
      return;
    case 'hf-info':
      useLab.setState({ pretrainedInfo: e.info });
      return;
    case 'hf-progress':
      useLab.setState({ pretrainedProgress: e.progress.phase === 'done' ? null : e.progress });
      return;
    case 'run-restored':
      // A resumed run's history up to its checkpoint: the charts continue from there.
      if (e.run !== useLab.getState().run) return;
      useLab.setState({ history: e.history, sftHistory: e.sftHistory });
      return;
    case 'runs':
      useLab.setState({ libraryRuns: e.runs, storage: e.storage, blobStore: e.blobs });
      return;
    case 'run-bundle':
      useLab.setState((s) => ({
        logs: [...s.logs.slice(-(MAX_LOGS - 1)), `Exported the run as ${e.filename}`],
      }));
      return;
    case 'student-plan':
      useLab.setState((s) => ({ plannedVocab: { ...s.plannedVocab, [e.key]: e.vocab } }));
      return;
    case 'run-halted':
      if (e.run !== useLab.getState().run) return;
      useLab.setState({ halted: e.halt });
      return;
    case 'device-lost':
      useLab.setState((s) => ({
        workerFault: {
          kind: 'device-lost',
          message: `The GPU device was lost (${e.reason || 'unknown reason'})${e.message ? `: ${e.message.replace(/\.$/, '')}` : ''}.`,
          backend: s.backend,
        },
      }));
      return;
    case 'log':
      useLab.setState((s) => ({ logs: [...s.logs.slice(-(MAX_LOGS - 1)), e.message] }));
      return;
    case 'run-metrics':
    case 'imported-progress':
    case 'imported-opened':
    case 'imported-group':
    case 'verl-job':
      return; // replies to WorkerClient.request: its caller applies them
    case 'error':
      useLab.setState((s) => ({
        status: s.backend ? 'ready' : 'failed',
        errors: [...s.errors.slice(-(MAX_ERRORS - 1)), e.message],
        pretrainedProgress: null,
        connection: s.connection.pending ? { pending: false, report: null } : s.connection,
        comparison:
          e.id !== null && e.id === s.comparison.id && s.comparison.status === 'running'
            ? { ...s.comparison, status: 'failed' }
            : s.comparison,
      }));
      return;
    case 'counterfactual':
      applyCounterfactualEvent(e);
      return;
    case 'rollout-results':
      applySearchEvent(e);
      return;
    case 'stage':
      applyStageEvent(e, useLab.getState().run);
      return;
    default:
      assertNever(e);
  }
}

type ComparisonEvent = Extract<WorkerEvent, { type: `compare-${string}` }>;

/** The comparison's events: progress, live arm metrics, rows (each arm becomes a run), the end. */
function applyComparisonEvent(e: ComparisonEvent): void {
  useLab.setState((s) => {
    const c = s.comparison;
    if (e.id !== c.id) return {};
    /** An arm as a run; one already listed keeps its place (createdAt). */
    const arm = (
      method: Method,
      config: RunConfig,
      metrics: StepMetrics[],
      results: ResultsRow,
    ) => {
      const runId = c.runIds[method];
      const id = runId ?? `cmp-${e.id}-${method}`;
      const createdAt = s.savedRuns.find((x) => x.id === id)?.createdAt ?? Date.now();
      return comparisonArm({
        comparison: e.id,
        label: c.label,
        method,
        config,
        metrics,
        results,
        runId,
        createdAt,
      });
    };
    switch (e.type) {
      case 'compare-progress':
        return { comparison: { ...c, progress: e.progress } };
      case 'compare-metrics':
        return {
          comparison: {
            ...c,
            live: { ...c.live, [e.method]: [...(c.live[e.method] ?? []), ...e.metrics] },
          },
        };
      case 'compare-row': {
        const runIds = e.runId ? { ...c.runIds, [e.row.method]: e.runId } : c.runIds;
        const next = { ...c, rows: [...c.rows, e.row], runIds };
        return {
          comparison: next,
          savedRuns:
            c.config && e.row.method !== 'zero-shot'
              ? mergeRuns(s.savedRuns, [
                  comparisonArm({
                    comparison: e.id,
                    label: c.label,
                    method: e.row.method,
                    config: c.config,
                    metrics: c.live[e.row.method] ?? [],
                    results: e.row,
                    runId: e.runId,
                    createdAt: Date.now(),
                  }),
                ])
              : s.savedRuns,
        };
      }
      case 'compare-done': {
        const arms = e.result.arms.flatMap((a) => {
          const row = e.result.rows.find((r) => r.method === a.method);
          return row && a.method !== 'zero-shot'
            ? [arm(a.method, e.result.config, a.metrics, row)]
            : [];
        });
        const grpo = arms.find((a) => a.algo === 'grpo');
        const tt = arms.find((a) => a.algo === 'thinktuning');
        return {
          comparison: {
            ...c,
            status: e.result.stopped ? 'stopped' : 'done',
            rows: e.result.rows,
            sources: e.result.sources,
            budgetText: e.budgetText,
            seconds: e.result.seconds,
          },
          savedRuns: mergeRuns(s.savedRuns, arms),
          // The comparison's GRPO and ThinkTuning arms: the pairing the user came for.
          compareSelection: grpo && tt ? [grpo.id, tt.id] : s.compareSelection,
        };
      }
    }
  });
}
