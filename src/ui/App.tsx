import { BACKENDS, type BackendPreference } from '../contract/backend';
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
import { AlarmsPanel } from './AlarmsPanel';
import { RolloutSearch } from './RolloutSearch';
import { StagePanel } from './StagePanel';
import { ModelPanel } from './ModelPanel';
import { RunControls } from './RunControls';
import { RunList } from './RunList';
import { RunNotes } from './RunNotes';
import { SamplePanel } from './SamplePanel';
import { TeacherPanel } from './TeacherPanel';
import { useGlobalShortcuts } from './keyboard';

/** ?backend=webgpu|wasm|webgl|cpu forces a backend; anything else means auto. */
function backendFromUrl(): BackendPreference {
  const b = new URLSearchParams(location.search).get('backend');
  return (BACKENDS as readonly string[]).includes(b ?? '') ? (b as BackendPreference) : 'auto';
}

export function App() {
  useLab((s) => s.workerGeneration); // a restart replaces the worker client
  const projector = useLab((s) => s.projector);
  const client = getWorkerClient(backendFromUrl());
  useGlobalShortcuts();
  return (
    <div className={`app${projector ? ' projector' : ''}`} data-testid="app">
      <a className="skip-link" href="#run-controls">
        Skip to the run controls
      </a>
      <Header />
      <main className="main">
        <FaultBanner />
        <ErrorList />
        {/*
          One grid, three areas: the run controls, the settings (teacher + config) and the
          content. Wide: settings on the left beside both; narrow (phone): one column, the
          controls first and the settings last (styles.css, "lab layout").
        */}
        <div className="lab">
          <div className="lab-controls">
            <RunControls />
            <StagePanel />
          </div>
          <aside className="sidebar" aria-label="Settings">
            <TeacherPanel />
            <ConfigPanel />
          </aside>
          <div className="content">
            <FaultPanel />
            <Charts />
            <RunNotes />
            <AlarmsPanel />
            <Inspector />
            <RolloutSearch />
            <RunList />
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
