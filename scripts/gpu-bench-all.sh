#!/usr/bin/env bash
# KIT/all.sh OUTDIR: issue 18's real-GPU measurements in one call (packed by pack-gpu-bench.sh).
# Fits one 10-minute device command with the default budgets; each stage is time-boxed, writes
# OUTDIR/<stage>.json (the bench's JSON) and OUTDIR/<stage>.log, and OUTDIR/stages.txt lists
# each stage's exit status (124 = its budget ran out; what it printed so far is in the log).
#
#   1. node-tiny-lab   Node on the same box: Dawn (the GPU) beside wasm at 1 and 8 threads, tiny
#                      and lab: decoding dispatches per layer, rollout tok/s, train tok/s and
#                      dispatches per train step, the RL step and its split.
#   2. node-realsize   the SmolLM2-135M and Qwen2.5-0.5B shapes with LoRA on Dawn: rollout tok/s,
#                      LoRA update tok/s, seconds per ThinkTuning step at 4 x 4 x 256, peak memory.
#   3. page-*          headless Chromium with other GPU flags, one try each: the tiny sampling part
#                      in the page; machine.webgpu_adapter in each JSON says whether the GPU or
#                      SwiftShader ran it.
# Budgets (seconds): STAGE1=200 STAGE2=220 PAGE=45 (per flag set); override in the environment.
set -uo pipefail
KIT=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: all.sh OUTDIR}
mkdir -p "$OUT"
: >"$OUT/stages.txt"
# EGL/GL loaders carried as .deb files (see the device notes): ANGLE's GL-on-EGL path needs them.
for d in "$KIT/.gl" "$PWD/.gl"; do
  [ -d "$d" ] && for f in "$d"/*.deb; do dpkg -x "$f" / 2>/dev/null; done && ldconfig 2>/dev/null
done
NV_EGL=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$NV_EGL" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$NV_EGL

stage() { # stage NAME SECONDS run.sh-args...
  local name=$1 limit=$2
  shift 2
  echo "== $name (${limit}s): $*" >&2
  timeout "$limit" "$KIT/run.sh" "$OUT/$name.json" "$@" 2>"$OUT/$name.log"
  echo "$name rc=$? $(date -u +%T)" | tee -a "$OUT/stages.txt" >&2
}

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv >"$OUT/gpu.txt" 2>&1
stage node-tiny-lab "${STAGE1:-200}" --backends webgpu,wasm --presets tiny,lab \
  --parts sampling,train,step --wasm-threads 1,8
stage node-realsize "${STAGE2:-220}" --backends webgpu --presets smollm2-135m,qwen2.5-0.5b

# The page: each try sets CHROMIUM_EXTRA_ARGS (appended to --gpu's flags) and its own ICD list.
NV_ICD=${VK_ICD_FILENAMES:-}
for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
  /etc/vulkan/icd.d/nvidia_icd.json; do [ -z "$NV_ICD" ] && [ -f "$f" ] && NV_ICD=$f; done
SW_ICD=$KIT/chromium/vk_swiftshader_icd.json
page() { # page NAME ICDS FLAGS
  VK_ICD_FILENAMES=$2 CHROMIUM_EXTRA_ARGS=$3 stage "page-$1" "${PAGE:-45}" \
    --backends browser-webgpu --presets tiny --parts sampling
}
# ANGLE on the NVIDIA driver's EGL (no Vulkan surface needed); Dawn on Vulkan, NVIDIA ICD only
page egl-vulkan "$NV_ICD" '--use-gl=angle --use-angle=gl-egl --enable-features=Vulkan --use-webgpu-adapter=default'
# GL on SwiftShader, Dawn told to skip the fallback adapter (NVIDIA listed first)
page swgl-dawn-nvidia "$NV_ICD:$SW_ICD" '--use-angle=swiftshader --enable-unsafe-swiftshader --disable-features=WebGPUFallbackAdapter --use-webgpu-power-preference=force-high-performance'
# Vulkan everywhere, no surface (failed on the H100's 580 driver; kept to see if a driver has it)
page vulkan "$NV_ICD" '--use-angle=vulkan --enable-features=Vulkan --disable-vulkan-surface'
echo "done: $OUT" >&2
