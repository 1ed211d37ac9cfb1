/**
 * One turn of the host's event loop, without setTimeout's 4 ms clamp: messages already queued
 * for the worker (pause, stop, live settings) are handled before the caller goes on.
 *
 * tfjs's WASM and CPU backends read tensors synchronously, so a worker sampling on them never
 * yields on its own: a Stop pressed during a rollout waited for the whole RL step. The run's
 * sampler calls this between decoding steps (trainingRun.ts), so Stop cuts the rollout there.
 * In a worker a MessageChannel message is a task queued behind the messages already waiting (a
 * zero-delay timer nested inside timers waits at least 4 ms, longer than a tiny model's
 * decoding step); Node has setImmediate.
 */
export function yieldToEvents(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  if (typeof MessageChannel === 'function') return viaChannel();
  return new Promise((r) => setTimeout(r, 0));
}

let channel: MessageChannel | null = null;
const waiting: Array<() => void> = [];

function viaChannel(): Promise<void> {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  const port = channel.port2;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(null);
  });
}
