/**
 * The teacher layer's public API (browser-safe; the Node-only test server lives in
 * test/teacherServer).
 */
export * from './types';
export { TeacherStats } from './stats';
export type { TeacherStatsSnapshot } from './stats';
export { parseGuidance, formatGuidance } from './parse';
export type { ParseResult } from './parse';
export {
  DEFAULT_SYSTEM_PROMPT,
  buildMessages,
  catchphraseInstruction,
  defaultPromptConfig,
  replyWithCatchphrase,
  userTurn,
} from './prompt';
export type { ChatMessage, FewShot, TeacherPromptConfig } from './prompt';
export { DEFAULT_FEW_SHOTS } from './fewShots';
export { DEFAULT_CATCHPHRASE, countOccurrences, insertCatchphrase } from './catchphrase';
export { BuiltinTeacher, writeGuidance } from './builtin';
export type { BehaviorSelection, BuiltinTeacherOptions } from './builtin';
export { HttpTeacher } from './http';
export { buildHttpTeacher, buildTeacher } from './build';
export type { TeacherAccess, TeacherRun } from './build';
export type { ConnectionReport, HttpTeacherOptions } from './http';
export { extractStudentAnswer, isStudentCorrect, answersMatch } from './answer';
