/**
 * Identity for tfjs-backend-wasm 4.22 without a copy.
 *
 * tfjs clones a tensor with the Identity kernel, and the autodiff tape clones every input an op
 * saves for its gradient (`engine.saveTensorsForBackwardMode`). The stock wasm Identity copies
 * the data, so each training step copied every weight a matmul read (a lab train step: 311
 * copies, 110 ms of 2.9 s) and a taped embedding lookup copied the whole table. The cpu and
 * WebGPU backends share the data instead, and tfjs-wasm's own Reshape already does: count one
 * more reference to the same memory (`backend.incRef`), freed when the last tensor goes. No tfjs
 * kernel writes into its inputs, so sharing is safe.
 * Install after '@tensorflow/tfjs-backend-wasm' is imported: `installSharedWasmIdentity()`
 * (idempotent; false and nothing changed when the internals differ).
 */
import * as tf from '@tensorflow/tfjs';

let installed = false;

export function installSharedWasmIdentity(): boolean {
  if (installed) return true;
  const stock = tf.getKernel('Identity', 'wasm');
  if (!stock) return false;
  const kernelFunc = (raw: unknown): tf.TensorInfo => {
    const args = raw as { inputs: { x: tf.TensorInfo }; backend: { incRef?(d: object): void } };
    const { x } = args.inputs;
    if (x.dtype === 'string' || typeof args.backend.incRef !== 'function')
      return stock.kernelFunc(args as never) as tf.TensorInfo;
    args.backend.incRef(x.dataId); // out shares x's memory: one more reference to it
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: kernelFunc as tf.KernelFunc });
  installed = true;
  return true;
}
