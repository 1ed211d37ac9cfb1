/**
 * A zero-copy reading of a safetensors file for large checkpoints: tensors are views
 * (subarrays) into the file's bytes, converted to float32 one at a time by the loader, so a
 * shard is never held twice. The format is store/safetensors.ts's (8-byte LE header length,
 * JSON header, data); that module's decoder copies every tensor, which suits small files.
 */
import type { SafeDType, SafeTensor } from '../store/safetensors';

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1 };

/** Tensor views of a safetensors file, by name, in header order. */
export function safetensorsViews(bytes: Uint8Array, fileName: string): Map<string, SafeTensor> {
  if (bytes.byteLength < 8)
    throw new Error(
      `${fileName} is not a safetensors file: shorter than its 8-byte header length.`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.byteLength - 8 || n > 100_000_000) {
    throw new Error(
      `${fileName} is not a safetensors file: header length ${n} exceeds the file size (${bytes.byteLength} bytes); was the download cut short?`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
      string,
      unknown
    >;
  } catch (e) {
    throw new Error(`${fileName}: safetensors header is not valid JSON (${(e as Error).message}).`);
  }
  const start = 8 + n;
  const dataLen = bytes.byteLength - start;
  const out = new Map<string, SafeTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const width = info?.dtype === undefined ? undefined : BYTES[info.dtype];
    if (width === undefined) {
      throw new Error(
        `${fileName}: tensor "${name}" has unsupported dtype ${String(info?.dtype)} (supported: F32, F16, BF16).`,
      );
    }
    const shape = info.shape ?? [];
    const [b, e] = info.data_offsets ?? [NaN, NaN];
    const need = shape.reduce((a, c) => a * c, 1) * width;
    if (!(b >= 0 && e <= dataLen && e - b === need)) {
      throw new Error(
        `${fileName}: tensor "${name}" data_offsets [${b}, ${e}] do not fit shape [${shape.join(', ')}] within ${dataLen} data bytes; was the download cut short?`,
      );
    }
    out.set(name, {
      dtype: info.dtype as SafeDType,
      shape,
      bytes: bytes.subarray(start + b, start + e),
    });
  }
  return out;
}
