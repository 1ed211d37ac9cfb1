import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

/*
 * The lab's Content-Security-Policy and the plugin that ships it. The built index.html gets it as
 * a <meta http-equiv> (so any static host serves it), and `vite preview` also sends it as a
 * header, which is what puts the trainer worker under it too (a worker's policy comes with its
 * script's response). The dev server gets none: Vite's HMR client and React Refresh run inline
 * scripts there. No 'unsafe-eval' and no 'unsafe-inline'.
 */

/** Each directive with the reason it is as loose as it is. */
const CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  // tfjs-backend-wasm compiles its .wasm with WebAssembly.instantiate: allowed by
  // 'wasm-unsafe-eval', which (unlike 'unsafe-eval') does not allow eval() or new Function().
  ['script-src', "'self' 'wasm-unsafe-eval'"],
  ['worker-src', "'self' blob:"],
  // The teacher is any OpenAI-compatible server the user points the lab at (a local Ollama over
  // http, a hosted API over https), and models and datasets load from URLs the user gives.
  ['connect-src', "'self' http: https:"],
  ['img-src', "'self' data: blob:"],
  ['style-src', "'self'"],
  ['font-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

/** The policy as one header value. */
const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.map(([d, v]) => `${d} ${v}`).join('; ');

/** Pages the policy is not added to (the benchmark page measures, it is not the app). */
const EXCLUDED = /bench/;

/** Adds the policy to the built lab page and to `vite preview`'s responses. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'thinktuning-csp',
    apply: (_config, env) => env.command === 'build' || env.isPreview === true,
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (EXCLUDED.test(ctx.filename)) return html;
        return [
          {
            tag: 'meta',
            attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
            injectTo: 'head-prepend',
          },
        ];
      },
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!EXCLUDED.test(req.url ?? ''))
          res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
        next();
      });
    },
  };
}

// The lab is a static site: the page (React) plus one module worker that owns tfjs.
export default defineConfig({
  // The built lab ships a Content-Security-Policy (contentSecurityPolicy above).
  plugins: [react(), contentSecurityPolicy()],
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Two pages: the lab and the benchmark (bench.html, driven by `npm run bench`).
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        bench: fileURLToPath(new URL('./bench.html', import.meta.url)),
      },
    },
  },
});
