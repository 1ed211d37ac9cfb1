/**
 * Wording for the built-in teacher: several first-person templates per behaviour, for a
 * correct response, a wrong one, and one without a final answer, with slots filled from the
 * item (a worked step, a number from the question) and the student's extracted answer.
 */
import type { Behavior } from '../../contract/teacher';

/** What the templates may mention. */
export interface TemplateContext {
  /** The student's final answer as written, or null when there is none. */
  studentAnswer: string | null;
  /** One worked step of the item (verbatim), or null when the item has none. */
  step: string | null;
  /** One number from the question, or null. */
  number: string | null;
}

/** A reason template: context in, first-person reflection out. */
export type ReasonTemplate = (c: TemplateContext) => string;

/** Reason templates per behaviour, split by the student's verdict. */
export interface BehaviorTemplates {
  correct: ReasonTemplate[];
  incorrect: ReasonTemplate[];
  /** Used when the response has no final answer at all. */
  noAnswer: ReasonTemplate[];
  /** First sentence of the phrase, before the walk-through. */
  phraseIntros: string[];
}

const stepClause = (c: TemplateContext, lead: string): string =>
  c.step ? ` ${lead} "${c.step}"` : '';

/** The template table, one entry per behaviour. */
export const TEMPLATES: Record<Behavior, BehaviorTemplates> = {
  'self-conflict': {
    incorrect: [
      (c) =>
        `Wait... I ended with ${c.studentAnswer}, but does that really fit what the question says?${c.number ? ` The question gives ${c.number}, and` : ''} when I read it again, my result does not follow from it. Two readings are pulling against each other here, and the question has to win.`,
      (c) =>
        `Hold on. I said the answer is ${c.studentAnswer}, yet something in the question contradicts that.${stepClause(c, 'Reading it again, one step should be:')} If that is right, then my ${c.studentAnswer} cannot be.`,
      (c) =>
        `Wait, wait... my answer says ${c.studentAnswer}, but when I check it against the question from the other direction, it does not hold up. One of the two readings must be wrong, and I think it is mine, not the question's.`,
    ],
    correct: [
      (c) =>
        `Wait... could the answer be something other than ${c.studentAnswer}? Maybe I misread a number. I check it against the question once more, and every number I used is the one the question gives. No conflict after all; ${c.studentAnswer} stands.`,
      (c) =>
        `Hmm, a different reading crossed my mind: what if the question meant something else by its numbers? I tried that reading, and it does not fit the wording, while mine does. So my answer of ${c.studentAnswer} survives the challenge.`,
      (c) =>
        `Hold on, let me argue against myself for a moment. If ${c.studentAnswer} were wrong, one of my steps would have to contradict the question${c.number ? `, for instance the ${c.number} it gives` : ''}. I cannot find such a step, so I am confident in ${c.studentAnswer}.`,
    ],
    noAnswer: [
      () =>
        'Wait... I never actually committed to a final answer, yet the question clearly asks for one. My work and the question pull in different directions; let me settle it.',
      () =>
        'Hold on. I wrote some steps, but I stopped without a result, and that contradicts what the question wants from me. Let me resolve it.',
    ],
    phraseIntros: [
      'Let me settle it by going back to the question.',
      "To resolve this, I'll follow the question exactly.",
      'Let me check which reading is right, step by step.',
    ],
  },
  'self-critique': {
    incorrect: [
      (c) =>
        `I jumped to the answer without checking each step against the question. My result of ${c.studentAnswer} comes from a step I did not verify. Let me redo it carefully instead of trusting my first pass.`,
      (c) =>
        `The weak point of my response is that I never checked my arithmetic or whether I used every number in the question. That is how I ended up with ${c.studentAnswer}. I can do better by writing each step out and checking it.`,
      (c) =>
        `Looking at my work critically, I rushed: I combined the quantities before I understood how they relate, so ${c.studentAnswer} is not supported.${stepClause(c, 'I skipped a step like')} Let me fix that by going step by step.`,
    ],
    correct: [
      (c) =>
        `My answer of ${c.studentAnswer} is right, but my explanation is thin: I skipped steps a reader would need, and I did not check my arithmetic. Let me make the reasoning complete so it is clearly justified.`,
      (c) =>
        `I reached ${c.studentAnswer}, yet I got there a bit quickly, without verifying the intermediate results. The weakness is in my presentation, not the result; let me tighten it.`,
      (c) =>
        `Critiquing my own response: the final answer ${c.studentAnswer} holds, but I should show why each step follows from the question instead of only stating results. Let me improve that.`,
    ],
    noAnswer: [
      () =>
        'The weakness of my response is plain: I did not finish. I never stated a final answer. Let me complete the reasoning.',
      () =>
        'I let my reasoning trail off before reaching a result, which makes the whole response useless as an answer. I need to finish the job properly.',
    ],
    phraseIntros: [
      'Let me redo it properly, one step at a time.',
      'Here is the careful version.',
      'Let me write out every step and check each one.',
    ],
  },
  'self-agreement': {
    incorrect: [
      (c) =>
        `Let me walk through my steps again... I set up the problem the right way and started from the numbers the question gives, and that part holds. But my final value of ${c.studentAnswer} does not follow: somewhere in the later steps I slipped. Let me keep what was right and redo the rest.`,
      (c) =>
        `Going back over my reasoning, I agree with my approach: the question does call for combining these quantities. What I cannot agree with is my result of ${c.studentAnswer}; when I recheck the calculation, it does not come out that way.`,
      (c) =>
        `Part of my response is solid: I read the question and identified what it asks. Yet when I walk through it again, the steps do not lead to ${c.studentAnswer}. I will keep the approach and correct the computation.`,
    ],
    correct: [
      (c) =>
        `Let me walk through my steps again...${c.step ? ` "${c.step}" Yes, that matches the question.` : ''} Each step uses the numbers the question gives, and the arithmetic checks out. Yes, this holds: the answer is ${c.studentAnswer}.`,
      (c) =>
        `Checking my work once more from the start, every step follows from the one before it, and ${c.studentAnswer} makes sense when I put it back into the question. I agree with my reasoning.`,
      (c) =>
        `I retraced my reasoning and it stands up: I used the right quantities, combined them the right way, and got ${c.studentAnswer}. Yes, I am confident this is correct.`,
    ],
    noAnswer: [
      () =>
        'Let me walk through my steps again... the start of my reasoning is on the right track, but I stopped before reaching a final answer. I will keep the good part and finish it.',
      () =>
        'What I wrote so far makes sense to me, and I agree with the direction. I just never carried it through to a final answer, so let me do that.',
    ],
    phraseIntros: [
      'Let me lay the steps out once more.',
      'Let me walk through it again.',
      'Let me restate the reasoning step by step.',
    ],
  },
  'self-consultancy': {
    incorrect: [
      (c) =>
        `If my old teacher were looking at this, she'd ask: are you sure about ${c.studentAnswer}? She would want to see each step checked against the question, and I skipped that. Let me do what she would do.`,
      (c) =>
        `Let me imagine how a careful mathematician would read my answer. She would point out that ${c.studentAnswer} does not match what the question describes and ask me to recompute from the given numbers${c.number ? `, starting with the ${c.number}` : ''}. That advice is worth following.`,
      (c) =>
        `What would a tutor say about my response? Probably: "Slow down and check which quantity the question actually asks for." With that in mind, ${c.studentAnswer} looks wrong to me now.`,
    ],
    correct: [
      (c) =>
        `If my old teacher were looking at this, she'd ask me to justify ${c.studentAnswer} step by step. I think I can: each step follows from the question. She would agree with the result.`,
      (c) =>
        `Let me consult an expert's view: a careful mathematician would check that every number is used once and in the right way. Doing that check, ${c.studentAnswer} holds up.`,
      (c) =>
        `If I asked a friend who is good at math to check this, they'd ask why I am sure. Looking again, my steps justify ${c.studentAnswer}, so I'd tell them I am confident.`,
    ],
    noAnswer: [
      () =>
        "If my old teacher were looking at this, she'd ask: so what is your answer? I never gave one. Let me work it through to the end the way she would.",
      () =>
        'I imagine a tutor reading this and saying: "You have not answered the question yet." That is fair; I need to reach a final answer.',
    ],
    phraseIntros: [
      "Following that advice, I'll go through it slowly.",
      'Let me do it the careful way an expert would.',
      "Taking that advice, I'll check each step.",
    ],
  },
};

/** Walk-through sentences when the item has no worked steps (numeric answer). */
export const NO_STEP_BODIES: Array<(answer: string) => string> = [
  (a) => `Working it through from the numbers in the question, I get ${a}.`,
  (a) => `Carrying out the computation the question describes gives ${a}.`,
  (a) => `Recomputing from the given quantities, I get ${a}.`,
];

/** Walk-through sentences for multiple choice without worked steps. */
export const CHOICE_BODIES: Array<(option: string) => string> = [
  (o) => `Comparing each option with the question, ${o} is the one that fits.`,
  (o) => `When I check the options one by one, only ${o} holds up.`,
  (o) => `Going through the choices again, I see that ${o} is right.`,
];

/** Closing sentences; each ends with the boxed answer. */
export const ENDINGS: Array<(answer: string) => string> = [
  (a) => `So the final answer is \\boxed{${a}}`,
  (a) => `Therefore, the final answer is \\boxed{${a}}`,
  (a) => `That means the final answer is \\boxed{${a}}`,
];
