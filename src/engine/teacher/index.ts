/**
 * The teacher layer's public API (browser-safe; the Node-only test server lives in
 * test/teacherServer).
 */
export * from './types';
export { TeacherStats } from './stats';
export type { TeacherStatsSnapshot } from './stats';
export { parseGuidance } from './parse';
export type { ParseResult } from './parse';
export { buildMessages, catchphraseInstruction, replyWithCatchphrase, userTurn } from './prompt';
export type { ChatMessage } from './prompt';
export { DEFAULT_CATCHPHRASE, countOccurrences, insertCatchphrase } from './catchphrase';
export { BuiltinTeacher, writeGuidance } from './builtin';
export type { BehaviorSelection, BuiltinTeacherOptions } from './builtin';
export { HttpTeacher } from './http';
export { buildHttpTeacher, buildTeacher } from './build';
export type { TeacherAccess, TeacherRun } from './build';
export type { HttpTeacherOptions } from './http';
export { extractStudentAnswer, isStudentCorrect, answersMatch } from './answer';
