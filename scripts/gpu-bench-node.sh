#!/usr/bin/env bash
# KIT/run.sh (packed by scripts/pack-gpu-kit-node.sh): issue 18's real-GPU figures in one call,
# Node only. Unpacks node and the bundled bench into /tmp, then runs time-boxed stages:
#   S0 webgpu-layer     Dawn on tiny and lab: sampling with forward()'s per-layer kernels
#                       (--layer-decoding), the "before" of the one-dispatch row decoder
#   S1 webgpu-tiny-lab  Dawn on tiny and lab: sampling, train, RL step (alone on the box)
#   S2 wasm8-tiny-lab   wasm at 8 threads on tiny and lab, the same parts     } side by side
#   S3 webgpu-smollm2   the SmolLM2-135M shape on Dawn: one ThinkTuning step  } (wasm uses 8
#   S4 webgpu-qwen      the Qwen2.5-0.5B shape on Dawn: one ThinkTuning step  }  of 16 cores)
# Budgets in seconds: S0=60 S1=170 S2=200 S3=120 S4=120 (0 skips a stage); REAL_TOKENS=32 new tokens
# per real-size rollout (256 needs more than the stage: ~0.5 s a decoding step on an H200).
# Each stage writes its JSON and log; $OUT/res.tgz holds them all and is refreshed after every
# stage, and each finished bench part logs a "done:" line, so a stage cut short keeps its figures.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/gpu-bench-out}
K=/tmp/gpu-kit R=/tmp/gpu-bench-res
mkdir -p "$OUT"
rm -rf "$K" "$R"
mkdir -p "$K" "$R"
T0=$(date +%s)
el() { echo "+$(($(date +%s) - T0))s"; }
if command -v xz >/dev/null; then
  xz -dc "$HERE/node.xz" >"$K/node" && tar xJf "$HERE/kitrest.tar.xz" -C "$K"
else
  python3 -c 'import lzma,sys,tarfile; open(sys.argv[2],"wb").write(lzma.open(sys.argv[1]).read()); tarfile.open(sys.argv[3]).extractall(sys.argv[4])' \
    "$HERE/node.xz" "$K/node" "$HERE/kitrest.tar.xz" "$K"
fi
chmod +x "$K/node"
"$K/node" --version || exit 3
# The loaders: NVIDIA's Vulkan ICD library (libGLX_nvidia.so.0) needs libglvnd's libGLdispatch.
for f in "$HERE"/*.deb; do [ -f "$f" ] && dpkg -x "$f" / 2>/dev/null; done
ldconfig 2>/dev/null
for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
  /etc/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$f" ] && { export VK_ICD_FILENAMES=$f; break; }
done
# Without an NVIDIA driver (trying the kit on a CPU machine): Debian Chromium's SwiftShader.
: "${VK_ICD_FILENAMES:=/usr/lib/chromium/vk_swiftshader_icd.json}"
export VK_DRIVER_FILES=$VK_ICD_FILENAMES
export LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/nvidia/lib:/usr/lib/chromium${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "Vulkan ICD: $VK_ICD_FILENAMES $(el)"
{
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv 2>&1
  echo "cores: $(nproc)"
  grep -m1 "model name" /proc/cpuinfo
} >"$R/machine.txt"
pack() { tar czf "$OUT/res.tgz" -C "$R" . 2>/dev/null; }
stage() { # stage NAME SECONDS bench-args...
  local name=$1 limit=$2
  shift 2
  [ "$limit" = 0 ] && return
  timeout "$limit" "$K/node" "$K/bench.mjs" --out "$R/$name.json" "$@" >/dev/null 2>"$R/$name.log"
  echo "$name rc=$? $(el)" | tee -a "$R/stages.txt"
  pack
}
REAL=(--parts step --set "rl.maxNewTokens=${REAL_TOKENS:-32}")
stage webgpu-layer "${S0:-60}" --backends webgpu --presets tiny,lab --parts sampling --layer-decoding
stage webgpu-tiny-lab "${S1:-170}" --backends webgpu --presets tiny,lab --parts sampling,train,step
stage wasm8-tiny-lab "${S2:-200}" --backends wasm --presets tiny,lab --parts sampling,train,step \
  --wasm-threads 8 &
W=$!
stage webgpu-smollm2 "${S3:-120}" --backends webgpu --presets smollm2-135m "${REAL[@]}"
stage webgpu-qwen "${S4:-120}" --backends webgpu --presets qwen2.5-0.5b "${REAL[@]}"
wait $W
pack
cat "$R/machine.txt" "$R/stages.txt"
grep -H -E "done:|run [0-9]|warm-up|failed|Error" "$R"/*.log | sed "s#^$R/##" | cut -c1-700 | tail -70
echo "results: $OUT/res.tgz $(el)"
