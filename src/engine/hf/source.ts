/**
 * Where a Hugging Face model folder comes from: files the user picked or dropped (the app),
 * in-memory bytes (tests), a base URL such as https://huggingface.co/ORG/NAME/resolve/main/
 * (fetch), or a folder on disk (the CLI builds one from node:fs; see src/cli/hfDir.ts).
 */

/** Bytes loaded so far of one file; total is null when the server does not say. */
export type ByteProgress = (loaded: number, total: number | null) => void;

export interface HfSource {
  /** Where the files are, for messages (a folder, a URL, "picked files"). */
  readonly label: string;
  /** The file's bytes, or null when the folder has no such file. */
  read(name: string, onBytes?: ByteProgress): Promise<Uint8Array | null>;
}

/** Something with bytes: a Uint8Array, or a browser File/Blob (read when asked). */
export type FileLike = Uint8Array | Blob;

/**
 * A source over named files. Names may carry folders ("SmolLM2/config.json" from a directory
 * picker); the last path segment is what counts.
 */
export function sourceFromFiles(
  files: Iterable<readonly [string, FileLike]>,
  label = 'picked files',
): HfSource {
  const byName = new Map<string, FileLike>();
  for (const [name, f] of files) byName.set(name.split('/').pop() ?? name, f);
  return {
    label,
    async read(name, onBytes) {
      const f = byName.get(name);
      if (f === undefined) return null;
      if (f instanceof Uint8Array) {
        onBytes?.(f.byteLength, f.byteLength);
        return f;
      }
      const bytes = new Uint8Array(await f.arrayBuffer());
      onBytes?.(bytes.byteLength, bytes.byteLength);
      return bytes;
    },
  };
}

/**
 * A source over a base URL: `read("config.json")` fetches `${base}config.json`. 404 means "not
 * in this folder"; any other failure is an error naming the URL and the likely cause.
 */
export function sourceFromUrl(baseUrl: string, fetchImpl: typeof fetch = fetch): HfSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    label: base,
    async read(name, onBytes) {
      const url = base + name;
      let res: Response;
      try {
        res = await fetchImpl(url);
      } catch (e) {
        throw new Error(
          `Could not fetch ${url} (${(e as Error).message}): offline, or the server does not allow this page's origin (CORS).`,
        );
      }
      if (res.status === 404) return null;
      if (!res.ok) {
        const hint =
          res.status === 401 || res.status === 403
            ? ' The model may be gated or private; download it and load the files instead.'
            : '';
        throw new Error(`Fetching ${url} failed: HTTP ${res.status} ${res.statusText}.${hint}`);
      }
      const header = res.headers.get('content-length');
      const total = header !== null && Number(header) > 0 ? Number(header) : null;
      if (!res.body) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        onBytes?.(bytes.byteLength, total ?? bytes.byteLength);
        return bytes;
      }
      return readStream(res.body, total, onBytes);
    },
  };
}

/** Reads a stream into one buffer, reporting progress per chunk. */
async function readStream(
  body: ReadableStream<Uint8Array>,
  total: number | null,
  onBytes?: ByteProgress,
): Promise<Uint8Array> {
  const reader = body.getReader();
  // With a known length, fill one buffer in place (no second copy of a large shard).
  let buf = new Uint8Array(total ?? 1 << 20);
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.byteLength > buf.byteLength) {
      const grown = new Uint8Array(Math.max(buf.byteLength * 2, at + value.byteLength));
      grown.set(buf.subarray(0, at));
      buf = grown;
    }
    buf.set(value, at);
    at += value.byteLength;
    onBytes?.(at, total);
  }
  return at === buf.byteLength ? buf : buf.subarray(0, at);
}
