/** Time domain: minutes spent on an activity, day by day ("15 minutes longer than the day before"). */
import { op } from './ops';
import {
  amount,
  does,
  pickActor,
  verb,
  type DomainSpec,
  type OpTemplate,
  type Scene,
} from './scene';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const ACTIVITIES: ReadonlyArray<readonly [string, string]> = [
  ['practice', ' the piano'],
  ['read', ''],
  ['study', ' math'],
  ['swim', ''],
  ['paint', ''],
  ['jog', ''],
];

/** Day name for position k (0 = first day); chains longer than a week use "day k+1". */
function dayName(scene: Scene, k: number): string {
  if (scene.words.firstDay === 'numbered') return `day ${k + 1}`;
  return DAYS[Number(scene.words.firstDay) + k];
}

/** Minutes stay within a day's plausible range: magnitude capped at 40 (200 minutes). */
const cap = (m: number): number => Math.min(m, 40);

const minutes = (n: number): string => `${n} minutes`;

const longer: OpTemplate = {
  make: (rng, _x, m) => op('add', amount(rng, 5, Math.max(5, cap(m)), 5) ?? 5),
  clause: (s, o) => `${verb(s, s.words.verb)} ${o.a} minutes longer than the day before`,
  step: (s, x, o, y, i) => `On ${dayName(s, i + 1)} it is ${x} + ${o.a} = ${minutes(y)}.`,
};

const shorter: OpTemplate = {
  make: (rng, x, m) => {
    const a = amount(rng, 5, Math.min(x - 5, cap(m)), 5);
    return a === undefined ? undefined : op('sub', a);
  },
  clause: (s, o) => `${verb(s, s.words.verb)} ${o.a} minutes less than the day before`,
  step: (s, x, o, y, i) => `On ${dayName(s, i + 1)} it is ${x} - ${o.a} = ${minutes(y)}.`,
};

const times: OpTemplate = {
  make: (rng, x) => (x <= 200 ? op('mul', rng.pick([2, 3])) : undefined),
  clause: (s, o) =>
    `${verb(s, s.words.verb)} ${o.a === 2 ? 'twice' : 'three times'} as long as the day before`,
  step: (s, x, o, y, i) => `On ${dayName(s, i + 1)} it is ${x} * ${o.a} = ${minutes(y)}.`,
};

const halfAsLong: OpTemplate = {
  make: (_rng, x) => (x % 2 === 0 && x >= 10 ? op('div', 2) : undefined),
  clause: (s) => `${verb(s, s.words.verb)} half as long as the day before`,
  step: (s, x, _o, y, i) => `On ${dayName(s, i + 1)} it is ${x} / 2 = ${minutes(y)}.`,
};

/** Time: a running daily duration in minutes, optionally starting in hours. */
export const time: DomainSpec = {
  domain: 'time',
  scene: (rng, level): Scene => {
    const [base, object] = rng.pick(ACTIVITIES);
    const firstDay = rng.int(0, 2);
    return {
      ...pickActor(rng),
      unit: minutes,
      grain: 5,
      startGrain: 5,
      words: {
        verb: base,
        object,
        firstDay: firstDay + level < DAYS.length ? String(firstDay) : 'numbered',
      },
    };
  },
  opening: (s, rng, m) => {
    const name = s.subject === 'you' ? 'You' : s.subject;
    const doing = `${name} ${verb(s, s.words.verb)}${s.words.object}`;
    const day = dayName(s, 0);
    if (rng.chance(0.3)) {
      const hours = rng.int(1, Math.max(2, Math.min(4, Math.ceil(m / 20))));
      return {
        sentence: `${doing} for ${hours} hour${hours === 1 ? '' : 's'} on ${day}.`,
        start: hours,
        first: {
          op: op('mul', 60),
          step: (x, y) => `${x} hour${x === 1 ? '' : 's'} is ${x} * 60 = ${minutes(y)}.`,
        },
      };
    }
    const start = rng.int(Math.max(2, Math.ceil(cap(m) / 4)), Math.max(4, cap(m))) * 5;
    return { sentence: `${doing} for ${start} minutes on ${day}.`, start };
  },
  templates: [longer, shorter, times, halfAsLong],
  question: (s, rng, clauseCount) => {
    const day = dayName(s, clauseCount);
    return rng.pick([
      `How many minutes ${does(s)} ${s.subject} ${s.words.verb} on ${day}?`,
      `For how many minutes ${does(s)} ${s.subject} ${s.words.verb} on ${day}?`,
    ]);
  },
  assemble: (s, clauses) =>
    clauses.map((c, i) => `On ${dayName(s, i + 1)}, ${s.subject} ${c}.`).join(' '),
};
