/**
 * The shipped warm-up students' names and what a run's config says about starting from one
 * (engine/students/catalog.ts holds their files and manifest). Pure.
 */
import { OPTIONAL_DEFAULTS } from './configDefaults';

/** The students the app ships (the folder names under public/students/). */
export const SHIPPED_STUDENT_NAMES = ['cpu', 'unknown-behavior'] as const;
export type ShippedStudentName = (typeof SHIPPED_STUDENT_NAMES)[number];

export function isShippedStudentName(name: string): name is ShippedStudentName {
  return (SHIPPED_STUDENT_NAMES as readonly string[]).includes(name);
}

/** The part of a RunConfig these helpers read (structural, so config.ts can import this file). */
interface StudentSections {
  student: { source: string; init?: string };
  sft: { steps: number };
}

/** Whether a run starts from a shipped student (a scratch student with student.init set). */
export function startsFromShipped(config: Pick<StudentSections, 'student'>): boolean {
  return (
    config.student.source === 'scratch' &&
    (config.student.init ?? OPTIONAL_DEFAULTS.student.init) !== ''
  );
}

/** Warm-up SFT steps a run makes: none when it starts from a shipped student, else sft.steps. */
export function warmupStepsOf(config: StudentSections): number {
  return startsFromShipped(config) ? 0 : config.sft.steps;
}
