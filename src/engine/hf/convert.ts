/**
 * Checkpoint dtypes -> float32, fast: typed-array views instead of a DataView per value, since a
 * 0.5B model is 500M values. BF16 is the top half of a float32 (shift left 16); F16 goes through
 * a 65536-entry table. Falls back to store/safetensors.ts's portable converter on a big-endian
 * platform or an unaligned view.
 */
import { toFloat32, type SafeTensor } from '../store/safetensors';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let halfTable: Float32Array | null = null;

/** float32 value of every IEEE half bit pattern (computed once, 256 kB). */
function halves(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    if (e === 0) t[h] = s * 2 ** -14 * (f / 1024);
    else if (e === 31) t[h] = f ? NaN : s * Infinity;
    else t[h] = s * 2 ** (e - 15) * (1 + f / 1024);
  }
  halfTable = t;
  return t;
}

/** A float tensor's values as a new Float32Array. */
export function tensorToFloat32(t: SafeTensor): Float32Array {
  const { bytes } = t;
  const width = t.dtype === 'F32' ? 4 : 2;
  if (!LITTLE_ENDIAN || bytes.byteOffset % width !== 0) return toFloat32(t);
  const n = bytes.byteLength / width;
  switch (t.dtype) {
    case 'F32':
      return new Float32Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
    case 'BF16': {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'F16': {
      const src = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      const table = halves();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]];
      return out;
    }
    default:
      return toFloat32(t); // names the unsupported dtype
  }
}
