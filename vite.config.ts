import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The lab is a static site: the page (React) plus one module worker that owns tfjs.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
