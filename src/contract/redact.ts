/**
 * Secrets never leave the lab through what it writes or shows. The API key is not part of a
 * RunConfig at all (it travels as TeacherExtras, memory only), but a user can paste one into a
 * config string — a base URL with `user:password@` or `?api_key=...`, a bare key in a text field —
 * and a future field may be named like a secret. Every export and serialisation path (run
 * records, bundles, checkpoint config.json, the CLI's config.json, links) goes through
 * `redactSecrets`; messages go through `redactText`. Secrets become "[redacted]".
 */

export const REDACTED = '[redacted]';

/** Query parameters that carry credentials. */
const SECRET_PARAM =
  /^(api[-_]?key|key|token|access[-_]?token|auth|secret|password|sig|signature)$/i;

/** Object keys whose value is a secret, whatever it looks like. */
const SECRET_FIELD =
  /^(api[-_]?key|apikey|token|access[-_]?token|refresh[-_]?token|secret|client[-_]?secret|password|authorization|bearer)$/i;

/**
 * Common API-key shapes: OpenAI/Anthropic "sk-...", Hugging Face "hf_...", GitHub tokens, Google
 * "AIza...", and "Bearer <token>".
 */
const KEY_PATTERN =
  /\b(sk-[A-Za-z0-9_-]{6,}|hf_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{30,}|Bearer\s+[A-Za-z0-9._~+/-]{16,}=*)/g;

/** "user:password@" (or "user@") after a URL scheme, anywhere in a text. */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/** A query parameter named like a credential, anywhere in a text ("?api_key=...", "&token=..."). */
const SECRET_QUERY =
  /([?&](?:api[-_]?key|key|token|access[-_]?token|auth|secret|password|sig|signature)=)(?!%5Bredacted%5D|\[redacted\])[^&#\s"'<>]+/gi;

/** Whether a query parameter's name says it carries a credential. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** Whether an object key (a config field, a header) names a secret. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/**
 * Text with anything shaped like an API key replaced, URL credentials ("https://user:pw@") cut,
 * and every known secret (e.g. the key the user typed, whatever its shape) replaced too.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = redactKnown(text, secrets);
  out = out.replace(KEY_PATTERN, REDACTED).replace(USERINFO, '$1');
  return out.replace(SECRET_QUERY, `$1${REDACTED}`);
}

/** Text with only the given known secrets replaced (data such as trajectories keeps its shape). */
export function redactKnown(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * The secret values inside a value's URLs (user:password, query parameters named like a
 * credential), found anywhere in strings of `value`: what else to scrub from a run's outputs
 * once its config is known.
 */
export function secretValues(value: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi)) {
        let url: URL;
        try {
          url = new URL(m[0]);
        } catch {
          continue;
        }
        if (url.password) out.add(decodeURIComponent(url.password));
        for (const [k, x] of url.searchParams) if (isSecretParam(k) && x) out.add(x);
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return [...out].filter((s) => s.length >= 4);
}

/** A URL without userinfo and secret query parameters (unparseable text: key patterns only). */
export function redactUrl(text: string, secrets: readonly string[] = []): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return redactText(text, secrets);
  }
  let changed = false;
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
    changed = true;
  }
  for (const k of [...url.searchParams.keys()])
    if (isSecretParam(k)) {
      url.searchParams.set(k, REDACTED);
      changed = true;
    }
  return redactText(changed ? url.toString() : text, secrets);
}

/**
 * A deep copy of `value` (a config, extras, any JSON-like data) with its secrets removed: string
 * fields named like a secret ("apiKey", "token"...) become "[redacted]", other strings lose URL
 * credentials, key-shaped text and the given known secrets. The input is not changed; the shape
 * and the types stay the same (a redacted config is still a valid config).
 */
export function redactSecrets<T>(value: T, secrets: readonly string[] = []): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string')
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(v.trim())
        ? redactUrl(v, secrets)
        : redactText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        out[k] = isSecretField(k) && typeof x === 'string' && x !== '' ? REDACTED : walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
