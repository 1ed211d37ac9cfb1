/**
 * Serves an already built site (`vite build`'s dist/) on loopback with the right MIME types, for
 * `npm run bench -- --site DIR`: a machine that has Node and Chromium but no node_modules (a GPU
 * box the benchmark is copied to) runs bench.html without Vite.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
};

/** The file a request path names inside root, or null when it escapes root or does not exist. */
export function resolveSitePath(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (rel.endsWith('/')) rel += 'index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + rel);
  if (file !== base && !file.startsWith(base + path.sep)) return null;
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Starts the server on 127.0.0.1:port; resolves once it listens. */
export function serveSite(root: string, port: number): Promise<Server> {
  if (!existsSync(path.join(root, 'bench.html')))
    throw new Error(
      `--site ${root}: no bench.html there; build it with \`npx vite build\` (dist/)`,
    );
  const server = createServer((req, res) => {
    const file = resolveSitePath(root, req.url ?? '/');
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': mimeType(file),
      'cache-control': 'no-store',
      // Cross-origin isolation, as vite preview sends it: threaded wasm (vite.config.ts).
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
