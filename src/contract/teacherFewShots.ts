/**
 * The default few-shot examples, one per behaviour: a math word problem, a student response,
 * and the teacher's tagged first-person reply whose phrase ends with the boxed answer.
 */
import { formatGuidance, type Behavior } from './teacher';

/** One demonstration shown to the teacher model before the real question. */
export interface FewShot {
  question: string;
  response: string;
  /** The tagged reply: `<opinion>…</opinion><reason>…</reason><phrase>…</phrase>`. */
  reply: string;
  /** The behaviour the reply demonstrates (informational). */
  behavior?: Behavior;
}

/** Self-conflict: a conflicting reading of the question challenges the answer. */
const SELF_CONFLICT: FewShot = {
  behavior: 'self-conflict',
  question:
    'A farmer has 4 chickens. Each chicken eats 3 cups of feed per day. How many cups of feed do the chickens eat in 5 days?',
  response:
    'Each chicken eats 2 cups per day, so 4 chickens eat 4 × 2 = 8 cups per day. In 5 days they eat 8 × 5 = 40 cups. The answer is \\boxed{40}.',
  reply: formatGuidance({
    opinion: 'incorrect',
    reason:
      'Wait... I said each chicken gets 2 cups, but the question says 3 cups per day. Those two readings cannot both be right, and the question is what counts, so my daily total is wrong and everything after it is too.',
    phrase:
      'Each chicken eats 3 cups per day, so 4 chickens eat 4 × 3 = 12 cups per day. In 5 days they eat 12 × 5 = 60 cups. So the final answer is \\boxed{60}.',
  }),
};

/** Self-critique: name the weakness of the response and improve it. */
const SELF_CRITIQUE: FewShot = {
  behavior: 'self-critique',
  question:
    'Maria buys 3 notebooks at $4 each and one pen for $2. She pays with a $20 bill. How much change does she get?',
  response: 'The notebooks cost 3 × 4 = 12 dollars. 20 − 12 = 8. The answer is \\boxed{8}.',
  reply: formatGuidance({
    opinion: 'incorrect',
    reason:
      'I jumped to the answer without checking that I had counted everything she bought. I left out the pen, so my total cost is too small and my change is too large. Let me redo it with every item.',
    phrase:
      'The notebooks cost 3 × 4 = 12 dollars, and with the pen the total is 12 + 2 = 14 dollars. Her change is 20 − 14 = 6 dollars. So the final answer is \\boxed{6}.',
  }),
};

/** Self-agreement: affirm and justify what was right. */
const SELF_AGREEMENT: FewShot = {
  behavior: 'self-agreement',
  question: 'A train travels at 60 km per hour for 2.5 hours. How far does it travel?',
  response: 'Distance = speed × time = 60 × 2.5 = 150 km. The answer is \\boxed{150}.',
  reply: formatGuidance({
    opinion: 'correct',
    reason:
      'Let me walk through my steps again... distance is speed times time, and I used the speed and the time the question gives. Splitting the time, 2 hours give 120 km and half an hour gives 30 km, which adds up to the same 150 km. Yes, this holds.',
    phrase:
      'Distance equals speed times time, so the train travels 60 × 2.5 = 150 km, and the check 120 + 30 = 150 agrees. So the final answer is \\boxed{150}.',
  }),
};

/** Self-consultancy: consult an imagined expert's perspective. */
const SELF_CONSULTANCY: FewShot = {
  behavior: 'self-consultancy',
  question: 'A class has 28 students. 3/4 of them passed the test. How many students did not pass?',
  response: '3/4 of 28 is 28 × 3 ÷ 4 = 21. So \\boxed{21} students did not pass.',
  reply: formatGuidance({
    opinion: 'incorrect',
    reason:
      "If my old teacher were looking at this, she'd ask: are you sure 21 is the number the question asks for? I computed the students who passed, but the question asks for the ones who did not pass. My arithmetic is fine; my last step answers the wrong question.",
    phrase:
      '3/4 of 28 is 28 × 3 ÷ 4 = 21 students who passed, so 28 − 21 = 7 students did not pass. So the final answer is \\boxed{7}.',
  }),
};

/** The four default few-shots, in the paper's order of behaviours. */
export const DEFAULT_FEW_SHOTS: readonly FewShot[] = [
  SELF_CONFLICT,
  SELF_CRITIQUE,
  SELF_AGREEMENT,
  SELF_CONSULTANCY,
];
