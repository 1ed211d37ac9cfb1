import { describe, expect, it } from 'vitest';
import type { CliIo } from './command';
import { main } from './main';

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

describe('lab CLI dispatcher', () => {
  it('lists the commands on --help and rejects unknown ones', async () => {
    const io = capture();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toMatch(/grade[\s\S]*sft[\s\S]*eval/);
    const bad = capture();
    expect(await main(['trian'], bad)).toBe(2);
    expect(bad.err).toMatch(/unknown command "trian"\. Valid commands: grade, sft, eval/);
  });

  it('prints per-command help and rejects unknown flags with the valid list', async () => {
    const io = capture();
    expect(await main(['sft', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/--preset P/);
    const bad = capture();
    expect(await main(['sft', '--preset', 'tiny', '--out', '/tmp/x', '--stepz', '3'], bad)).toBe(2);
    expect(bad.err).toMatch(/unknown flag "--stepz"\. Valid flags: --preset, --out/);
    const evalBad = capture();
    expect(await main(['eval'], evalBad)).toBe(2);
    expect(evalBad.err).toMatch(/missing --checkpoint/);
  });

  it("exits non-zero with applyOverride's message for an unknown --set key", async () => {
    const io = capture();
    const code = await main(
      ['sft', '--preset', 'tiny', '--out', '/tmp/x', '--set', 'sft.stepz=3'],
      io,
    );
    expect(code).toBe(2);
    expect(io.err).toMatch(/Unknown config key "sft\.stepz"\. Valid keys here: steps, batchSize/);
    const preset = capture();
    expect(await main(['sft', '--preset', 'huge', '--out', '/tmp/x'], preset)).toBe(2);
    expect(preset.err).toMatch(/Unknown preset "huge"/);
  });
});
