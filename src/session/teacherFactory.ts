import type { RunConfig } from '../contract/config';
import {
  HttpTeacher,
  type Teacher,
  type TeacherRequest,
  type TeacherResult,
} from '../engine/teacher';
import { buildHttpTeacher, buildTeacher, type TeacherAccess } from '../engine/teacher/build';
import type { TeacherSettings } from './protocol';

/**
 * The teacher for a run's settings, built by the engine's `buildTeacher`: the HTTP teacher takes
 * the user's edited prompt (the catchphrase still comes from the reward section) and the key.
 */
export function teacherFromSettings(
  config: RunConfig,
  s: TeacherSettings,
  fetchImpl?: typeof fetch,
): Teacher {
  return buildTeacher({ ...config, teacher: s.teacher }, access(s, fetchImpl));
}

/** An HTTP teacher for the settings (also used for "Test connection"). */
export function httpTeacher(
  s: TeacherSettings,
  run: { seed: number; catchphrase: string },
  fetchImpl?: typeof fetch,
): HttpTeacher {
  return buildHttpTeacher(s.teacher, run, access(s, fetchImpl));
}

/** The key, prompt and fetch of the settings: passed beside the config, never inside it. */
function access(s: TeacherSettings, fetchImpl?: typeof fetch): TeacherAccess {
  return {
    apiKey: s.apiKey,
    ...(s.prompt ? { prompt: s.prompt } : {}),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  };
}

/**
 * A teacher that forwards to a replaceable inner teacher, so the run's teacher can change while
 * the trainer (which holds this object) keeps running. It also tells the session when teacher
 * calls begin and when the last one settles: the "teacher" and "update" phases.
 */
export class SwitchableTeacher implements Teacher {
  private pendingCalls = 0;

  constructor(
    private inner: Teacher,
    private readonly onBusy: (busy: boolean) => void = () => {},
  ) {}

  get name(): string {
    return this.inner.name;
  }

  get current(): Teacher {
    return this.inner;
  }

  replace(next: Teacher): void {
    if (this.inner instanceof HttpTeacher && this.inner !== next) this.inner.cancelAll();
    this.inner = next;
  }

  /** Cancels HTTP calls in flight (each resolves as a `cancelled` failure). */
  cancelAll(): void {
    if (this.inner instanceof HttpTeacher) this.inner.cancelAll();
  }

  async guide(req: TeacherRequest): Promise<TeacherResult> {
    if (this.pendingCalls++ === 0) this.onBusy(true);
    try {
      return await this.inner.guide(req);
    } finally {
      if (--this.pendingCalls === 0) this.onBusy(false);
    }
  }
}
