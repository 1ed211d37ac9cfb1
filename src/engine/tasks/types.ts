/** One verifiable task: a question with a checkable answer. */
export interface TaskItem {
  /** Stable id, unique within its source (e.g. "gen-train-L1-000042", "gsm8k-test-17"). */
  id: string;
  /** The question text shown to the student (without chat formatting or suffix). */
  prompt: string;
  /** Ground-truth final answer: a number as text ("18", "-2.5", "3/4") or a letter "A".."E". */
  answer: string;
  /** Worked solution steps with intermediate results, one sentence each. */
  steps?: string[];
  /** Multiple-choice options, in order A, B, C, ... (the answer is a letter). */
  choices?: string[];
  /** Where the item came from: "generated", "multiple-choice", "gsm8k". */
  source: string;
  /** Difficulty level for generated items (1 = one step). */
  level?: number;
}
