import * as tf from '@tensorflow/tfjs';

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Largest tf.memory().numBytes seen at the poll points. */
export interface PeakTracker {
  poll(): void;
  peak(): number;
  method: string;
}

export function trackPeak(): PeakTracker {
  let max = tf.memory().numBytes;
  return {
    poll() {
      max = Math.max(max, tf.memory().numBytes);
    },
    peak: () => max,
    method:
      'max of tf.memory().numBytes (all live tensors, weights + Adam state included) polled after ' +
      'every decoding step and after the train forward pass; short-lived intermediates inside one ' +
      'step are not seen',
  };
}
