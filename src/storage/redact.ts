/**
 * What leaves the worker for storage and bundles never carries a secret: run records and
 * bundles are cleaned here with the engine's one redaction (src/engine/security/redact.ts).
 */
import type { RunConfig } from '../contract/config';
import { redactSecrets } from '../contract/redact';

/** A copy of the config with secrets removed (the input is not changed). */
export function redactConfig(config: RunConfig): RunConfig {
  return redactSecrets(config);
}
