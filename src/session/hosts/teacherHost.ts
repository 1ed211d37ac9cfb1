/** The teacher's connection test (the running run's teacher is swapped by runHost). */
import type { ConnectionReport } from '../../contract/teacher';
import type { RunConfig } from '../../contract/config';
import { httpTeacher } from '../teacherFactory';
import type { CommandOf, SessionContext } from './context';

/** What the built-in teacher's test reports: nothing to connect to. */
function builtinReport(): ConnectionReport {
  const lines = ['The built-in teacher runs inside the lab: there is nothing to connect to.'];
  return {
    ok: true,
    reachable: true,
    authOk: true,
    modelKnown: true,
    formatOk: true,
    logprobs: false,
    latencyMs: 0,
    lines,
    summary: lines.join(' '),
  };
}

export class TeacherHost {
  constructor(
    private readonly ctx: SessionContext,
    /** The running run's config (its seed and catchphrase shape the test's prompt). */
    private readonly runConfig: () => RunConfig | undefined,
  ) {}

  async testConnection(cmd: CommandOf<'test-connection'>): Promise<void> {
    const { id, settings: s } = cmd;
    if (s.teacher.kind === 'builtin') {
      this.ctx.host.post({ type: 'connection', id, report: builtinReport() });
      return;
    }
    const cfg = this.runConfig();
    const teacher = httpTeacher(
      s,
      { seed: cfg?.seed ?? 1, catchphrase: cfg?.reward.catchphrase ?? '' },
      this.ctx.host.fetch,
    );
    const report = await teacher.testConnection();
    this.ctx.host.post({ type: 'connection', id, report });
  }
}
