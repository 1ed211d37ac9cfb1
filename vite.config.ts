import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/*
 * The lab's Content-Security-Policy and the plugins that send it. The built index.html gets it as
 * a <meta http-equiv> (so any static host serves it), and `vite preview` also sends it as a
 * header, which is what puts the trainer worker under it too (a worker's policy comes with its
 * script's response). No 'unsafe-eval' and no 'unsafe-inline', in the build and in dev.
 *
 * The dev server (`npm start`) sends the same policy, with one addition: a nonce, fresh for every
 * response. Vite's dev page runs one inline script (React Refresh's preamble) and injects CSS as
 * <style> elements; `html.cspNonce` makes Vite put a placeholder nonce on every script and style
 * tag it writes and in <meta property="csp-nonce">, where its client reads it for the styles it
 * injects later (HMR updates included). The middleware below replaces the placeholder with a
 * random value per response and allows exactly that nonce. A nonce rather than hashes: the
 * preamble's text depends on the base URL and plugin versions, and the injected CSS changes with
 * every edit, so hashes would have to be recomputed for each. HMR's WebSocket goes back to the
 * page's own host and port, which connect-src 'self' allows (CSP Level 3 matches ws: for 'self').
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

/**
 * Cross-origin isolation, which the threaded wasm build needs (SharedArrayBuffer; see
 * workers/wasmThreads.ts): the page gets its own browsing-context group (COOP) and loads only
 * same-origin or CORS/CORP-approved resources (COEP). The teacher and model downloads are CORS
 * fetches, which require-corp allows as before; `credentialless` would work too but Safari lacks it.
 * A static host must send both headers (docs/performance.md); without them wasm runs one thread.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The policy as one header value. */
const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.map(([d, v]) => `${d} ${v}`).join('; ');

/** The dev server's placeholder nonce (Vite writes it; devContentSecurityPolicy replaces it). */
const DEV_NONCE_PLACEHOLDER = 'thinktuning-dev-csp-nonce';

/** The policy with scripts and styles of one nonce also allowed (dev only). */
export function devPolicy(nonce: string): string {
  return CSP_DIRECTIVES.map(([d, v]) =>
    d === 'script-src' || d === 'style-src' ? `${d} ${v} 'nonce-${nonce}'` : `${d} ${v}`,
  ).join('; ');
}

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

/**
 * Sends the policy on every dev-server response with a fresh nonce, written over Vite's
 * placeholder in the page (see the top of this file).
 */
function devContentSecurityPolicy(): Plugin {
  return {
    name: 'thinktuning-dev-csp',
    apply: (_config, env) => env.command === 'serve' && env.isPreview !== true,
    config: () => ({ html: { cspNonce: DEV_NONCE_PLACEHOLDER } }),
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (EXCLUDED.test(req.url ?? '')) return next();
        const nonce = randomBytes(16).toString('base64');
        res.setHeader('Content-Security-Policy', devPolicy(nonce));
        // The page is sent in one end() call: put this response's nonce in place of Vite's.
        const end = res.end.bind(res) as (...a: unknown[]) => typeof res;
        res.end = ((chunk?: unknown, ...rest: unknown[]) => {
          const html = /text\/html/.test(String(res.getHeader('Content-Type') ?? ''));
          if (html && chunk !== undefined && chunk !== null) {
            const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
            if (text.includes(DEV_NONCE_PLACEHOLDER)) {
              const out = text.replaceAll(DEV_NONCE_PLACEHOLDER, nonce);
              res.setHeader('Content-Length', Buffer.byteLength(out));
              return end(out, ...rest);
            }
          }
          return end(chunk, ...rest);
        }) as typeof res.end;
        next();
      });
    },
  };
}

/**
 * Dependencies the dev server pre-bundles before the first page load. Vite finds a page's
 * imports by crawling index.html, which never reaches the trainer worker (created with
 * `new Worker(new URL(...))`): without the worker as an entry, tfjs's backends and the Hugging
 * Face packages were discovered on the first load, re-bundled, and the page reloaded, losing a
 * Start pressed before it (e2e/devServer.spec.ts).
 */
const DEV_ENTRIES = ['index.html', 'workers/trainer.worker.ts'];

// The lab is a static site: the page (React) plus one module worker that owns tfjs.
export default defineConfig({
  // The built lab ships a Content-Security-Policy (contentSecurityPolicy above); dev sends it too.
  plugins: [react(), contentSecurityPolicy(), devContentSecurityPolicy()],
  optimizeDeps: { entries: DEV_ENTRIES },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173, headers: { ...ISOLATION_HEADERS } },
  preview: { host: '127.0.0.1', port: 4173, headers: { ...ISOLATION_HEADERS } },
  build: {
    target: 'es2022',
    // Two pages: the lab and the benchmark (bench.html, driven by `npm run bench`).
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        bench: fileURLToPath(new URL('./bench.html', import.meta.url)),
      },
    },
  },
});
