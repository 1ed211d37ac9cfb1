import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadSetupFromPage } from './state/actions';
import { App } from './ui/App';
import './ui/styles.css';

// The URL's setup (preset + set=...) and a remembered API key, before the first render.
loadSetupFromPage();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
