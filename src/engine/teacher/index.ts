/**
 * The teacher layer's public API (browser-safe: the Node-only test server is not exported
 * here; import it from './testServer').
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
export type { HttpTeacherOptions } from './http';
export { extractStudentAnswer, isStudentCorrect, answersMatch } from './answer';
