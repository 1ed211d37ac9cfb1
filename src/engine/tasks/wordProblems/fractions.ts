/** Fractions domain: reading a fraction of the remaining pages, cutting ribbon, eating cookies. */
import type { SeededRng } from '../../random';
import { op } from './ops';
import {
  amount,
  assemblePairs,
  fittingFraction,
  pickActor,
  verb,
  type DomainSpec,
  type OpTemplate,
  type Scene,
} from './scene';

interface FractionSetting {
  kind: string;
  /** Verb for taking some away: "read", "cut off", "eat". */
  take: string;
  /** What a fraction applies to, after "of": "the remaining pages". */
  rest: string;
  unitWord: string;
  opening: (name: string, s: Scene, n: number) => string;
  question: string;
}

const SETTINGS: readonly FractionSetting[] = [
  {
    kind: 'book',
    take: 'read',
    rest: 'the remaining pages',
    unitWord: 'pages',
    opening: (name, s, n) => `${name} ${verb(s, 'start')} a book with ${n} pages.`,
    question: 'How many pages are still unread?',
  },
  {
    kind: 'ribbon',
    take: 'cut off',
    rest: 'what is left of the ribbon',
    unitWord: 'cm',
    opening: (name, s, n) => `${name} ${verb(s, 'have')} a ribbon ${n} cm long.`,
    question: 'How many cm of ribbon are left?',
  },
  {
    kind: 'cookies',
    take: 'give away',
    rest: 'the cookies that are left',
    unitWord: 'cookies',
    opening: (name, s, n) => `${name} ${verb(s, 'bake')} ${n} cookies.`,
    question: 'How many cookies are left?',
  },
  {
    kind: 'field',
    take: 'plant',
    rest: 'the unplanted rows',
    unitWord: 'rows',
    opening: (name, s, n) => `${name} ${verb(s, 'have')} a field with ${n} empty rows.`,
    question: 'How many rows are still unplanted?',
  },
];

function settingOf(s: Scene): FractionSetting {
  return SETTINGS.find((x) => x.kind === s.words.kind) ?? SETTINGS[0];
}

const takeFraction: OpTemplate = {
  make: (rng, x) => {
    const f = fittingFraction(rng, x);
    return f ? op('scale', f.keep, f.d) : undefined;
  },
  clause: (s, o) => {
    const f = settingOf(s);
    return `${verb(s, f.take)} ${o.b - o.a}/${o.b} of ${f.rest}`;
  },
  step: (s, x, o, y) =>
    `Taking ${o.b - o.a}/${o.b} of ${x} leaves ${o.a}/${o.b} of it: ${x} * ${o.a} / ${o.b} = ${s.unit(y)}.`,
};

const takeAmount: OpTemplate = {
  make: (rng, x, m) => {
    const a = amount(rng, 1, Math.min(x - 1, m), 1);
    return a === undefined ? undefined : op('sub', a);
  },
  clause: (s, o) => `${verb(s, settingOf(s).take)} ${o.a} more ${settingOf(s).unitWord}`,
  step: (s, x, o, y) => `Taking ${o.a} more leaves ${x} - ${o.a} = ${s.unit(y)}.`,
};

const takeHalf: OpTemplate = {
  make: (_rng, x) => (x % 2 === 0 && x >= 2 ? op('div', 2) : undefined),
  clause: (s) => `${verb(s, settingOf(s).take)} half of ${settingOf(s).rest}`,
  step: (s, x, _o, y) => `Half of ${x} is left: ${x} / 2 = ${s.unit(y)}.`,
};

function fractionScene(rng: SeededRng): Scene {
  const setting = rng.pick(SETTINGS);
  return {
    ...pickActor(rng),
    unit: (n) => `${n} ${setting.unitWord}`,
    grain: 1,
    startGrain: 12,
    words: { kind: setting.kind },
  };
}

/** Fractions: a whole that shrinks by fractions of what remains. */
export const fractions: DomainSpec = {
  domain: 'fractions',
  scene: fractionScene,
  opening: (s, rng, m) => {
    const start = rng.int(Math.max(2, Math.ceil(m / 3)), Math.max(3, m)) * 60;
    const name = s.subject === 'you' ? 'You' : s.subject;
    return { sentence: settingOf(s).opening(name, s, start), start };
  },
  templates: [takeFraction, takeFraction, takeAmount, takeHalf],
  question: (s) => settingOf(s).question,
  assemble: assemblePairs,
};
