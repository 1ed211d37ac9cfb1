import os from 'node:os';

/** What the numbers were measured on. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    memory_gib: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    /** 1/5/15-minute load when the bench started: other work on the machine skews the figures. */
    load_average_at_start: os.loadavg().map((x) => Number(x.toFixed(2))),
    node: process.version,
  };
}
