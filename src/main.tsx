import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadSetupFromPage } from './state/actions';
import { installTestHooks } from './state/recovery';
import { App } from './ui/App';
import './ui/styles.css';

// The URL's setup (preset + set=...) and a remembered API key, before the first render.
loadSetupFromPage();
installTestHooks(location.search); // only with ?testFaults=1 (e2e)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
