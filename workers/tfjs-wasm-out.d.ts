/** tfjs-backend-wasm's pthread worker script (CommonJS, no types of its own; wasmThreads.ts). */
declare module '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js' {
  export const wasmWorkerContents: string;
}
