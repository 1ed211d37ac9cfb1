import { BACKENDS, type BackendPreference } from '../engine/backend/types';
import { getWorkerClient } from '../state/workerClient';
import { Header } from './Header';
import { ErrorList } from './ErrorList';
import { ModelPanel } from './ModelPanel';
import { SamplePanel } from './SamplePanel';

/** ?backend=webgpu|wasm|webgl|cpu forces a backend; anything else means auto. */
function backendFromUrl(): BackendPreference {
  const b = new URLSearchParams(location.search).get('backend');
  return (BACKENDS as readonly string[]).includes(b ?? '') ? (b as BackendPreference) : 'auto';
}

export function App() {
  const client = getWorkerClient(backendFromUrl());
  return (
    <div className="app">
      <Header />
      <main className="main">
        <ErrorList />
        <div className="columns">
          <SamplePanel client={client} />
          <ModelPanel client={client} />
        </div>
      </main>
    </div>
  );
}
