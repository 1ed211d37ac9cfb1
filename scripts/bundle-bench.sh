#!/usr/bin/env bash
# The Node side of the GPU kits (pack-gpu-bench.sh, pack-gpu-kit-node.sh): bench/run.ts bundled
# by esbuild into DIR/bench.mjs, with what it loads at run time beside it: tfjs-backend-wasm's
# .wasm files (read from __dirname), the threaded build's unbundled emscripten script (its
# pthread workers load it; nodeWasmThreads.ts) and Dawn's Node bindings for this platform.
#
#   bash scripts/bundle-bench.sh DIR          # where `npm ci` has run
set -euo pipefail
DIR=${1:?usage: bash scripts/bundle-bench.sh DIR}
cd "$(dirname "$0")/.."
mkdir -p "$DIR"
node_modules/.bin/esbuild bench/run.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$DIR/bench.mjs" --alias:@playwright/test=playwright-core --external:playwright-core --external:webgpu \
  --banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; const require = __cr(import.meta.url); const __dirname = __fu(new URL('.', import.meta.url));" \
  --log-level=warning
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$DIR/"
WO=node_modules/@tensorflow/tfjs-backend-wasm
mkdir -p "$DIR/$WO/wasm-out" "$DIR/node_modules/webgpu/dist/linux-x64"
cp "$WO/package.json" "$DIR/$WO/"
cp "$WO"/wasm-out/tfjs-backend-wasm-threaded-simd.{js,worker.js,wasm} "$DIR/$WO/wasm-out/"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$DIR/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/* "$DIR/node_modules/webgpu/dist/linux-x64/"
cp -r node_modules/playwright-core "$DIR/node_modules/"
