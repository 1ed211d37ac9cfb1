/**
 * Store-only ZIP (PKWARE APPNOTE 6.3: method 0, no compression, UTF-8 names, no ZIP64), enough
 * for a run bundle that any unzip tool opens:
 *   [local header + name + data] per entry, [central directory header + name] per entry, [end]
 * Each entry carries the CRC-32 of its data, checked on read.
 */

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const UTF8_FLAG = 1 << 11;
const MAX = 0xffffffff;

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table-driven. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** crc = ~fold(crc, byte: table[(crc ^ byte) & 0xff] ^ (crc >>> 8)) starting from ~0. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** MS-DOS time and date fields (2-second resolution, years 1980..2107). */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(2107, Math.max(1980, d.getFullYear()));
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Writes the entries, in order, as one store-only ZIP file. */
export function writeZip(entries: readonly ZipEntry[], modified = new Date()): Uint8Array {
  const enc = new TextEncoder();
  const { time, date } = dosDateTime(modified);
  const names = entries.map((e) => enc.encode(e.name));
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new Error(`ZIP: entry "${e.name}" is listed twice.`);
    seen.add(e.name);
  }
  let size = 22;
  entries.forEach((e, i) => (size += 30 + 46 + 2 * names[i].length + e.data.length));
  if (size > MAX)
    throw new Error(`ZIP: ${size} bytes is more than a ZIP without ZIP64 holds (4 GiB).`);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let p = 0;
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.data));
  entries.forEach((e, i) => {
    offsets.push(p);
    v.setUint32(p, LOCAL, true);
    v.setUint16(p + 4, 20, true); // version needed: 2.0
    v.setUint16(p + 6, UTF8_FLAG, true);
    v.setUint16(p + 8, 0, true); // method: stored
    v.setUint16(p + 10, time, true);
    v.setUint16(p + 12, date, true);
    v.setUint32(p + 14, crcs[i], true);
    v.setUint32(p + 18, e.data.length, true); // compressed size
    v.setUint32(p + 22, e.data.length, true); // uncompressed size
    v.setUint16(p + 26, names[i].length, true);
    v.setUint16(p + 28, 0, true); // extra length
    out.set(names[i], p + 30);
    out.set(e.data, p + 30 + names[i].length);
    p += 30 + names[i].length + e.data.length;
  });
  const cdStart = p;
  entries.forEach((e, i) => {
    v.setUint32(p, CENTRAL, true);
    v.setUint16(p + 4, 20, true); // version made by
    v.setUint16(p + 6, 20, true); // version needed
    v.setUint16(p + 8, UTF8_FLAG, true);
    v.setUint16(p + 10, 0, true);
    v.setUint16(p + 12, time, true);
    v.setUint16(p + 14, date, true);
    v.setUint32(p + 16, crcs[i], true);
    v.setUint32(p + 20, e.data.length, true);
    v.setUint32(p + 24, e.data.length, true);
    v.setUint16(p + 28, names[i].length, true);
    // extra length, comment length, disk number, internal and external attributes: 0
    v.setUint32(p + 42, offsets[i], true);
    out.set(names[i], p + 46);
    p += 46 + names[i].length;
  });
  v.setUint32(p, END, true);
  v.setUint16(p + 8, entries.length, true);
  v.setUint16(p + 10, entries.length, true);
  v.setUint32(p + 12, p - cdStart, true);
  v.setUint32(p + 16, cdStart, true);
  return out;
}

/**
 * Reads a ZIP of stored (uncompressed) entries through its central directory. Every problem
 * names the entry and what is wrong; CRC-32 mismatches are reported as damage.
 */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff); p--)
    if (v.getUint32(p, true) === END) {
      end = p;
      break;
    }
  if (end < 0) throw new Error('Not a ZIP file: no end-of-central-directory record found.');
  const count = v.getUint16(end + 10, true);
  let p = v.getUint32(end + 16, true);
  const dec = new TextDecoder('utf-8', { fatal: false });
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || v.getUint32(p, true) !== CENTRAL)
      throw new Error(`ZIP: central directory entry ${i + 1} of ${count} is damaged.`);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    const csize = v.getUint32(p + 20, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const local = v.getUint32(p + 42, true);
    const name = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue; // a folder
    if (method !== 0)
      throw new Error(
        `ZIP: "${name}" is compressed (method ${method}); the lab reads stored entries only. Re-create the archive without compression (zip -0) or use the file the lab exported.`,
      );
    if (local + 30 > bytes.length || v.getUint32(local, true) !== LOCAL)
      throw new Error(`ZIP: the local header of "${name}" is missing or damaged.`);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (start + csize > bytes.length)
      throw new Error(`ZIP: "${name}" runs past the end of the file (truncated download?).`);
    const data = bytes.slice(start, start + csize);
    if (crc32(data) !== crc)
      throw new Error(`ZIP: "${name}" is damaged (CRC-32 mismatch); export the run again.`);
    out.push({ name, data });
  }
  return out;
}
