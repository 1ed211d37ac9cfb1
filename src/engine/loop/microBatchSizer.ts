/**
 * How many rows one micro-batch of an RL update may hold under a memory budget (WASM's heap),
 * from a measured one-row probe remembered across the updates it serves (the trainer gives each
 * step a fresh one, so a resumed run splits a step as an uninterrupted run does). A backward pass over a row of T
 * tokens holds about a·T + b·T² bytes (activations, attention), so from a probe at T0:
 *   bytes(T) ≤ bytes(T0) · (T / T0)²  for T ≥ T0,   bytes(T) ≤ bytes(T0) · T / T0  for T < T0.
 * The probe's bytes also carry the gradients' fixed share, so the estimate errs high.
 */
export class MicroBatchSizer {
  private probe: { bytes: number; tokens: number } | null = null;

  /** Bytes one row of `tokens` tokens is expected to hold at most, or null before a probe. */
  bytesPerRow(tokens: number): number | null {
    if (!this.probe) return null;
    const r = tokens / this.probe.tokens;
    return this.probe.bytes * (r >= 1 ? r * r : r);
  }

  /** Rows per micro-batch (1 ..= cap) that fit `budget`, or null: probe one row first. */
  rowsFor(tokens: number, cap: number, budget: number): number | null {
    const perRow = this.bytesPerRow(tokens);
    if (perRow === null) return null;
    return Math.max(1, Math.min(cap, Math.floor(budget / Math.max(1, perRow))));
  }

  /** Records a one-row probe: its peak bytes at `tokens` tokens. */
  record(bytes: number, tokens: number): void {
    this.probe = { bytes, tokens };
  }
}

/** Rows per part when `rows` rows go in parts of at most `cap`, as evenly as they can. */
export function evenRows(rows: number, cap: number): number {
  if (rows <= 0) return 1;
  const parts = Math.ceil(rows / Math.max(1, cap));
  return Math.ceil(rows / parts);
}
