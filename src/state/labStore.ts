import { create } from 'zustand';
import type { AdapterInfo, BackendName } from '../engine/backend/types';
import type { Completion, ModelSummary, WorkerEvent } from '../session/protocol';

export type WorkerStatus = 'starting' | 'ready' | 'busy' | 'failed';

export interface LabState {
  status: WorkerStatus;
  backend: BackendName | null;
  adapter: AdapterInfo | null;
  backendReason: string;
  model: ModelSummary | null;
  completions: Completion[];
  sampleStats: { tokensPerSecond: number; ms: number } | null;
  errors: string[];
  logs: string[];
}

const initial: LabState = {
  status: 'starting',
  backend: null,
  adapter: null,
  backendReason: '',
  model: null,
  completions: [],
  sampleStats: null,
  errors: [],
  logs: [],
};

export const useLab = create<LabState>()(() => ({ ...initial }));

export function resetLab(): void {
  useLab.setState({ ...initial });
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
        model: e.model,
      });
      return;
    case 'samples':
      useLab.setState({
        status: 'ready',
        completions: e.completions,
        sampleStats: { tokensPerSecond: e.tokensPerSecond, ms: e.ms },
      });
      return;
    case 'model':
      useLab.setState({ status: 'ready', model: e.model });
      return;
    case 'log':
      useLab.setState((s) => ({ logs: [...s.logs.slice(-199), e.message] }));
      return;
    case 'error':
      useLab.setState((s) => ({
        status: s.backend ? 'ready' : 'failed',
        errors: [...s.errors.slice(-19), e.message],
      }));
      return;
  }
}
