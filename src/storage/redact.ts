/**
 * What leaves the worker for storage and bundles never carries a secret: run records and
 * bundles are cleaned here with the engine's one redaction (src/engine/security/redact.ts).
 */
import type { RunConfig } from '../engine/config';
import { redactSecrets } from '../engine/security/redact';

export { REDACTED, redactText, redactUrl } from '../engine/security/redact';

/** A copy of the config with secrets removed (the input is not changed). */
export function redactConfig(config: RunConfig): RunConfig {
  return redactSecrets(config);
}
