import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, readZip, writeZip } from './zip';

const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const enc = new TextEncoder();
const entries = [
  { name: 'config.json', data: enc.encode('{"seed": 1}\n') },
  {
    name: 'checkpoint/model.safetensors',
    data: Uint8Array.from({ length: 1000 }, (_, i) => i % 251),
  },
  { name: 'empty.jsonl', data: new Uint8Array(0) },
  { name: 'notes/ünïcode.txt', data: enc.encode('é ✓') },
];

describe('store-only ZIP', () => {
  it('CRC-32 matches the standard check value and known strings', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926); // the CRC-32 "check" value
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(enc.encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it("Python's zipfile and unzip read what writeZip writes, byte for byte", () => {
    const file = join(dir, 'bundle.zip');
    writeFileSync(file, writeZip(entries, new Date(2026, 10, 26, 12, 34, 56)));
    const py = execFileSync('/usr/bin/python3', [
      '-c',
      'import json,sys,zipfile\n' +
        'z = zipfile.ZipFile(sys.argv[1])\n' +
        'assert z.testzip() is None\n' +
        'print(json.dumps([[i.filename, i.compress_type, list(i.date_time), list(z.read(i))] for i in z.infolist()]))',
      file,
    ]).toString();
    const listed = JSON.parse(py) as Array<[string, number, number[], number[]]>;
    expect(listed.map((l) => l[0])).toEqual(entries.map((e) => e.name));
    expect(listed.every((l) => l[1] === 0)).toBe(true);
    expect(listed[0][2]).toEqual([2026, 11, 26, 12, 34, 56]);
    listed.forEach((l, i) => expect(Uint8Array.from(l[3])).toEqual(entries[i].data));
    const unzip = execFileSync('unzip', ['-t', file]).toString();
    expect(unzip).toMatch(/No errors detected/);
  });

  it('reads its own files and archives written by zip -0; names what is wrong', () => {
    expect(readZip(writeZip(entries))).toEqual(entries);
    writeFileSync(join(dir, 'a.txt'), 'hello');
    execFileSync('zip', ['-q', '-0', join(dir, 'stored.zip'), 'a.txt'], { cwd: dir });
    expect(readZip(new Uint8Array(readFileSync(join(dir, 'stored.zip'))))).toEqual([
      { name: 'a.txt', data: enc.encode('hello') },
    ]);
    writeFileSync(join(dir, 'b.txt'), 'x'.repeat(500));
    execFileSync('zip', ['-q', '-9', join(dir, 'deflated.zip'), 'b.txt'], { cwd: dir });
    expect(() => readZip(new Uint8Array(readFileSync(join(dir, 'deflated.zip'))))).toThrow(
      /"b.txt" is compressed \(method 8\).*zip -0/,
    );

    const bytes = writeZip(entries);
    const damaged = bytes.slice();
    damaged[30 + 'config.json'.length + 3] ^= 0xff; // a byte of config.json's data
    expect(() => readZip(damaged)).toThrow(/"config.json" is damaged \(CRC-32 mismatch\)/);
    expect(() => readZip(bytes.slice(0, bytes.length - 30))).toThrow(/Not a ZIP file/);
    expect(() => readZip(enc.encode('{"not": "a zip"}'))).toThrow(/Not a ZIP file/);
    expect(() => writeZip([entries[0], entries[0]])).toThrow(/"config.json" is listed twice/);
  });
});
