/**
 * safetensors: [8-byte little-endian u64 header length N][N bytes JSON header][raw data].
 * Header: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {str: str} },
 * offsets relative to the start of the data section, little-endian values.
 */

export type SafeDType = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8';

export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  /** Raw little-endian bytes of the tensor. */
  bytes: Uint8Array;
}

const BYTES: Record<SafeDType, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1 };

/** Float32Array -> little-endian bytes (copy; independent of platform endianness). */
export function f32ToBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/** Int32Array -> little-endian bytes. */
export function i32ToBytes(data: Int32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setInt32(i * 4, data[i], true);
  return out;
}

/**
 * float -> IEEE half, round to nearest even (as numpy's astype(float16)); overflow -> +-Inf,
 * NaN stays NaN, values below the smallest subnormal -> +-0.
 */
export function floatToHalf(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf or NaN
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // too large: Inf
  if (e <= 0) {
    // subnormal half (or zero): value = mant' * 2^-24
    if (e < -10) return sign;
    const m = mant | 0x800000; // implicit leading 1
    const shift = 14 - e; // 1..24
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    const up = rest > mid || (rest === mid && (half & 1) === 1);
    return sign | (half + (up ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  const up = rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1);
  return sign | (half + (up ? 1 : 0)); // a carry into the exponent is the correct rounding
}
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Float32Array -> little-endian IEEE half bytes (F16), rounded to nearest even. */
export function f32ToF16Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setUint16(i * 2, floatToHalf(data[i]), true);
  return out;
}

/** IEEE half -> float. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Any float tensor's bytes as Float32Array (F16 and BF16 converted). */
export function toFloat32(t: SafeTensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out = new Float32Array(n);
  switch (t.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    case 'BF16': {
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, view.getUint16(i * 2, true) << 16, true);
        out[i] = tmp.getFloat32(0, true);
      }
      return out;
    }
    default:
      throw new Error(`Tensor has dtype ${t.dtype}; expected a float type (F32, F16, BF16).`);
  }
}

/** Serialises named tensors; the header is padded with spaces to an 8-byte boundary. */
export function encodeSafetensors(
  tensors: Array<[string, SafeTensor]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    if (t.bytes.byteLength !== expected) {
      throw new Error(
        `Tensor "${name}": ${t.bytes.byteLength} bytes but shape [${t.shape.join(', ')}] of ${t.dtype} needs ${expected}.`,
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + expected] };
    offset += expected;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  while ((8 + enc.encode(json).length) % 8 !== 0) json += ' ';
  const head = enc.encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const [, t] of tensors) {
    out.set(t.bytes, pos);
    pos += t.bytes.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** One tensor's entry in a safetensors header; `begin`/`end` are absolute byte offsets. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafeDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads and checks a safetensors header (the one parser of the format); every problem names the
 * tensor and what is wrong. With `fileName` (a downloaded file) messages name the file and ask
 * whether the download was cut short.
 */
export function parseSafetensorsHeader(
  bytes: Uint8Array,
  fileName?: string,
): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  const cut = fileName ? '; was the download cut short?' : '.';
  const where = fileName ? `${fileName}: ` : '';
  const tensor = (name: string): string =>
    fileName ? `${fileName}: tensor "${name}"` : `Tensor "${name}"`;
  const notSafetensors = fileName
    ? `${fileName} is not a safetensors file`
    : 'Not a safetensors file';
  if (bytes.byteLength < 8)
    throw new Error(`${notSafetensors}: shorter than its 8-byte header length.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.byteLength - 8 || n > 100_000_000) {
    throw new Error(
      `${notSafetensors}: header length ${n} exceeds the file size (${bytes.byteLength} bytes)${cut}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`${where}safetensors header is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(parsed))
    throw new Error(
      `${where}safetensors header is ${describeJson(parsed)}; expected an object of tensor entries {dtype, shape, data_offsets}.`,
    );
  const dataStart = 8 + n;
  const dataLen = bytes.byteLength - dataStart;
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (!isRecord(raw) || Object.values(raw).some((v) => typeof v !== 'string'))
        throw new Error(`${where}safetensors "__metadata__" must be an object of strings.`);
      metadata = raw as Record<string, string>;
      continue;
    }
    const info = isRecord(raw) ? raw : {};
    if (typeof info.dtype !== 'string' || !Object.hasOwn(BYTES, info.dtype)) {
      throw new Error(
        `${tensor(name)}: unsupported or missing dtype ${String(info.dtype)} (supported: ${Object.keys(BYTES).join(', ')}).`,
      );
    }
    const dtype = info.dtype as SafeDType;
    const shape = info.shape ?? [];
    if (!isIntList(shape))
      throw new Error(
        `${tensor(name)}: shape is ${describeJson(shape)}; expected a list of non-negative integers such as [64, 192].`,
      );
    const offsets = info.data_offsets;
    if (!isIntList(offsets) || offsets.length !== 2)
      throw new Error(
        `${tensor(name)}: data_offsets is ${describeJson(offsets)}; expected [begin, end] in bytes.`,
      );
    const [b, e] = offsets;
    const need = shape.reduce((a, c) => a * c, 1) * BYTES[dtype]; // bytes = prod(shape) * width
    if (!(b >= 0 && e <= dataLen && e - b === need)) {
      throw new Error(
        `${tensor(name)}: data_offsets [${b}, ${e}] do not fit shape [${shape.join(', ')}] of ${dtype} within ${dataLen} data bytes${cut}`,
      );
    }
    entries.push({ name, dtype, shape, begin: dataStart + b, end: dataStart + e });
  }
  return { entries, metadata };
}

/** Parses a safetensors file, copying every tensor (suits small files: checkpoints, adapters). */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  const { entries, metadata } = parseSafetensorsHeader(bytes);
  const tensors = new Map<string, SafeTensor>();
  for (const { name, dtype, shape, begin, end } of entries)
    tensors.set(name, { dtype, shape, bytes: bytes.slice(begin, end) });
  return { tensors, metadata };
}

/**
 * Zero-copy reading for large checkpoints: tensors are views (subarrays) into the file's bytes,
 * converted to float32 one at a time by the loader, so a shard is never held twice. By name, in
 * header order; messages name `fileName`.
 */
export function safetensorsViews(bytes: Uint8Array, fileName: string): Map<string, SafeTensor> {
  const out = new Map<string, SafeTensor>();
  for (const { name, dtype, shape, begin, end } of parseSafetensorsHeader(bytes, fileName).entries)
    out.set(name, { dtype, shape, bytes: bytes.subarray(begin, end) });
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);
}

/** A short description of a JSON value for messages: `"abc"`, `null`, `[1, "x"]`. */
function describeJson(v: unknown): string {
  if (v === undefined) return 'missing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
