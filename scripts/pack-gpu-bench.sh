#!/usr/bin/env bash
# Packs the browser benchmark into one folder that runs on a machine with a GPU and nothing else:
# no npm, no node_modules, no system Chromium, no network (a rented GPU box, a CI runner).
#
#   bash scripts/pack-gpu-bench.sh KIT          # here, where `npm ci` has run and npm can fetch
#   KIT/run.sh OUT.json [bench flags...]        # there; default flags below
#   KIT/all.sh OUTDIR                           # there: all of issue 18's GPU figures, one call
#   KIT/run.sh OUT.json --backends webgpu --presets smollm2-135m,qwen2.5-0.5b
#                                               # real-size students (bench/realSize.ts): on a real
#                                               # GPU the full 4 x 4 x 256 plan with warm-ups
#
# KIT holds: node (this machine's binary), bench.mjs (bench/run.ts bundled by esbuild),
# site/ (`vite build`), node_modules/playwright-core, and chromium/ — the self-contained
# headless Chromium of the npm package @sparticuz/chromium (its own NSS and Vulkan loader; Debian's
# chromium needs X11/GTK libraries a GPU image rarely has). run.sh points Chromium's Vulkan loader
# at the NVIDIA driver (VK_ICD_FILENAMES) and runs `bench.mjs --gpu --site site`, so WebGPU gets
# the real adapter; the JSON's machine.webgpu_adapter (Chromium) and machine.node_webgpu_adapter
# (Node, Dawn's bindings) say which one ran.
set -euo pipefail
KIT=${1:?usage: bash scripts/pack-gpu-bench.sh KIT_DIR}
SPARTICUZ=${SPARTICUZ_VERSION:-147.0.0}
cd "$(dirname "$0")/.."
rm -rf "$KIT"
mkdir -p "$KIT/node_modules" "$KIT/chromium"
KIT=$(cd "$KIT" && pwd)

echo "vite build -> $KIT/site"
npx vite build --logLevel warn --outDir "$KIT/site" --emptyOutDir
echo "esbuild bench/run.ts -> $KIT/bench.mjs (+ wasm files, Dawn's bindings)"
bash scripts/bundle-bench.sh "$KIT"
cp "$(command -v node)" "$KIT/node"

echo "@sparticuz/chromium@$SPARTICUZ -> $KIT/chromium"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "@sparticuz/chromium@$SPARTICUZ" >/dev/null && tar xzf ./*.tgz)
"$KIT/node" -e '
  const { brotliDecompressSync } = require("node:zlib");
  const fs = require("node:fs");
  const [bin, out] = process.argv.slice(1);
  fs.writeFileSync(out + "/chromium", brotliDecompressSync(fs.readFileSync(bin + "/chromium.br")));
  for (const t of ["al2023", "swiftshader", "fonts"])
    fs.writeFileSync(out + "/" + t + ".tar", brotliDecompressSync(fs.readFileSync(bin + "/" + t + ".tar.br")));
' "$TMP/package/bin" "$KIT/chromium"
for t in al2023 swiftshader fonts; do
  tar xf "$KIT/chromium/$t.tar" -C "$KIT/chromium" && rm "$KIT/chromium/$t.tar"
done
chmod +x "$KIT/chromium/chromium"

cat >"$KIT/run.sh" <<'RUN'
#!/usr/bin/env bash
# KIT/run.sh OUT.json [bench flags]: the browser benchmark on this machine's GPU (see pack-gpu-bench.sh).
set -uo pipefail
KIT=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: run.sh OUT.json [bench flags]}
shift
[ $# -gt 0 ] || set -- --backends webgpu,wasm,browser-webgpu,browser-wasm --presets tiny,lab
CHR=$KIT/chromium
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_ICD_FILENAMES=$f; break; fi
  done
  [ -n "${VK_ICD_FILENAMES:-}" ] || echo "run.sh: no NVIDIA Vulkan ICD found; set VK_ICD_FILENAMES" >&2
  # SwiftShader's ICD too: headless Chromium's ANGLE needs VK_EXT_headless_surface, which NVIDIA's
  # Vulkan driver lacks, so its GL runs on SwiftShader (and its WebGPU then offers SwiftShader
  # only); Dawn in Node picks the discrete GPU for high-performance.
  export VK_ICD_FILENAMES=${VK_ICD_FILENAMES:+$VK_ICD_FILENAMES:}$CHR/vk_swiftshader_icd.json
  export CHROMIUM_EXTRA_ARGS=${CHROMIUM_EXTRA_ARGS:---use-angle=swiftshader --enable-unsafe-swiftshader}
fi
export VK_DRIVER_FILES=$VK_ICD_FILENAMES
export LD_LIBRARY_PATH=$CHR/lib:$CHR:/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export FONTCONFIG_PATH=$CHR CHROMIUM_PATH=$CHR/chromium
echo "run.sh: VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-none}" >&2
exec "$KIT/node" "$KIT/bench.mjs" --gpu --site "$KIT/site" --out "$OUT" "$@" >/dev/null
RUN
chmod +x "$KIT/run.sh"
# KIT/all.sh OUTDIR: every issue-18 GPU measurement in one call (scripts/gpu-bench-all.sh)
cp scripts/gpu-bench-all.sh "$KIT/all.sh"
chmod +x "$KIT/all.sh"
du -sh "$KIT"
