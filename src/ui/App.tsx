import { BACKENDS, type BackendPreference } from '../engine/backend/types';
import { useLab } from '../state/labStore';
import { getWorkerClient } from '../state/workerClient';
import { Charts } from './Charts';
import { CompareView } from './CompareView';
import { ConfigPanel } from './ConfigPanel';
import { ErrorList } from './ErrorList';
import { FaultBanner } from './FaultBanner';
import { FaultPanel } from './FaultPanel';
import { Header } from './Header';
import { ImportedInspector } from './ImportedInspector';
import { Inspector } from './Inspector';
import { ModelPanel } from './ModelPanel';
import { RunControls } from './RunControls';
import { RunList } from './RunList';
import { RunNotes } from './RunNotes';
import { SamplePanel } from './SamplePanel';
import { TeacherPanel } from './TeacherPanel';

/** ?backend=webgpu|wasm|webgl|cpu forces a backend; anything else means auto. */
function backendFromUrl(): BackendPreference {
  const b = new URLSearchParams(location.search).get('backend');
  return (BACKENDS as readonly string[]).includes(b ?? '') ? (b as BackendPreference) : 'auto';
}

export function App() {
  useLab((s) => s.workerGeneration); // a restart replaces the worker client
  const client = getWorkerClient(backendFromUrl());
  return (
    <div className="app">
      <Header />
      <main className="main">
        <FaultBanner />
        <ErrorList />
        <div className="lab">
          <aside className="sidebar">
            <TeacherPanel />
            <ConfigPanel />
          </aside>
          <div className="content">
            <RunControls />
            <RunList />
            <FaultPanel />
            <Charts />
            <RunNotes />
            <Inspector />
            <ImportedInspector />
            <CompareView />
            <div className="columns">
              <SamplePanel client={client} />
              <ModelPanel client={client} />
            </div>
          </div>
        </div>
      </main>
    </div>
  );
}
