#!/usr/bin/env bash
# The GPU benchmark without a browser, small enough for a transfer capped at 64 MiB (the full kit
# of pack-gpu-bench.sh is ~350 MB, 206 MB of it Chromium): node and the bundled bench xz-packed,
# Dawn's Node bindings, the threaded wasm build, the GL/Vulkan loader .debs, and run.sh.
#
#   bash scripts/pack-gpu-kit-node.sh KIT     # here, where `npm ci` has run (~2 min: xz of node)
#   bash KIT/run.sh                           # there, on a Linux x86-64 box with an NVIDIA driver
#
# run.sh (scripts/gpu-bench-node.sh) unpacks into /tmp and runs, each stage time-boxed:
# Node WebGPU (Dawn) on tiny and lab; wasm at 8 threads on tiny and lab beside it; the real-size
# students on WebGPU. Results: $OUT/res.tgz (each stage's JSON and log), headline rows on stdout.
set -euo pipefail
KIT=${1:?usage: bash scripts/pack-gpu-kit-node.sh KIT_DIR}
cd "$(dirname "$0")/.."
rm -rf "$KIT"
mkdir -p "$KIT"
KIT=$(cd "$KIT" && pwd)
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
bash scripts/bundle-bench.sh "$STAGE"
(cd "$STAGE" && tar cf - bench.mjs ./*.wasm node_modules | xz -T0 -6 >"$KIT/kitrest.tar.xz")
xz -T0 -9 -c "$(command -v node)" >"$KIT/node.xz"
# libglvnd and the Vulkan loader: NVIDIA's Vulkan ICD (libGLX_nvidia.so.0) needs libGLdispatch,
# which a CUDA image may lack (Dawn then fails with VK_ERROR_INCOMPATIBLE_DRIVER).
(cd "$KIT" && apt-get download libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2 2>/dev/null) ||
  echo "apt-get download failed: the kit has no loader .debs (fine where the box has libglvnd)" >&2
cp scripts/gpu-bench-node.sh "$KIT/run.sh"
chmod +x "$KIT/run.sh"
du -sh "$KIT"
