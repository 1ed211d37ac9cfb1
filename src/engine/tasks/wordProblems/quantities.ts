/** Quantities domain: liquids in containers (mL) and countable items (apples, marbles). */
import type { SeededRng } from '../../random';
import { op } from './ops';
import {
  amount,
  assemblePairs,
  does,
  fittingFraction,
  pickActor,
  verb,
  type DomainSpec,
  type OpTemplate,
  type Scene,
} from './scene';

const CONTAINERS = ['tank', 'jug', 'bottle', 'bucket', 'pot', 'barrel'];
const LIQUIDS = ['solution', 'water', 'juice', 'milk', 'lemonade'];
const OBJECTS = ['apples', 'marbles', 'stickers', 'pencils', 'cookies', 'stamps', 'shells'];
const FRIENDS = ['a friend', 'a neighbor', 'a cousin', 'a classmate'];

function liquidScene(rng: SeededRng): Scene {
  const actor = pickActor(rng, 0.5);
  return {
    ...actor,
    unit: (n) => `${n} mL`,
    grain: 10,
    startGrain: 10,
    words: { kind: 'liquid', container: rng.pick(CONTAINERS), liquid: rng.pick(LIQUIDS) },
  };
}

function itemScene(rng: SeededRng): Scene {
  const actor = pickActor(rng);
  const objects = rng.pick(OBJECTS);
  return {
    ...actor,
    unit: (n) => `${n} ${objects}`,
    grain: 1,
    startGrain: 1,
    words: { kind: 'items', objects, friend: rng.pick(FRIENDS) },
  };
}

const isLiquid = (s: Scene): boolean => s.words.kind === 'liquid';
const u = (s: Scene, n: number): string => s.unit(n);

const add: OpTemplate = {
  make: (rng, _x, m, s) => op('add', amount(rng, s.grain, m * s.startGrain, s.grain) ?? s.grain),
  clause: (s, o, rng) =>
    isLiquid(s)
      ? rng.pick([
          `${verb(s, 'add')} ${o.a} mL of water`,
          `${verb(s, 'pour')} in another ${o.a} mL`,
        ])
      : rng.pick([
          `${verb(s, 'buy')} ${o.a} more ${s.words.objects}`,
          `${verb(s, 'get')} ${o.a} more ${s.words.objects} from ${s.words.friend}`,
        ]),
  step: (s, x, o, y) => `Adding ${u(s, o.a)} gives ${x} + ${o.a} = ${u(s, y)}.`,
};

const sub: OpTemplate = {
  make: (rng, x, m, s) => {
    const a = amount(rng, s.grain, Math.min(x - s.grain, m * s.startGrain), s.grain);
    return a === undefined ? undefined : op('sub', a);
  },
  clause: (s, o, rng) =>
    isLiquid(s)
      ? rng.pick([`${verb(s, 'pour')} out ${o.a} mL`, `${verb(s, 'use')} ${o.a} mL of it`])
      : rng.pick([
          `${verb(s, 'give')} ${o.a} ${s.words.objects} to ${s.words.friend}`,
          `${verb(s, 'lose')} ${o.a} of them`,
        ]),
  step: (s, x, o, y) => `Taking away ${u(s, o.a)} leaves ${x} - ${o.a} = ${u(s, y)}.`,
};

const half: OpTemplate = {
  make: (_rng, x) => (x % 2 === 0 && x >= 2 ? op('div', 2) : undefined),
  clause: (s, _o, rng) =>
    isLiquid(s)
      ? rng.pick([`${verb(s, 'remove')} half of it`, `${verb(s, 'pour')} out half of it`])
      : rng.pick([
          `${verb(s, 'give')} half of them to ${s.words.friend}`,
          `${verb(s, 'sell')} half of them`,
        ]),
  step: (s, x, _o, y) => `Half of ${u(s, x)} is ${x} / 2 = ${u(s, y)}, and that is what remains.`,
};

const removeFraction: OpTemplate = {
  make: (rng, x) => {
    const f = fittingFraction(rng, x);
    return f && f.removed !== f.d - f.removed ? op('scale', f.keep, f.d) : undefined;
  },
  clause: (s, o, rng) =>
    isLiquid(s)
      ? `${verb(s, rng.pick(['remove', 'drain']))} ${o.b - o.a}/${o.b} of it`
      : `${verb(s, rng.pick(['give away', 'use up']))} ${o.b - o.a}/${o.b} of them`,
  step: (s, x, o, y) =>
    `Removing ${o.b - o.a}/${o.b} leaves ${o.a}/${o.b} of it: ${x} * ${o.a} / ${o.b} = ${u(s, y)}.`,
};

const shareEqually: OpTemplate = {
  make: (rng, x, _m, s) => {
    if (isLiquid(s)) return undefined;
    for (const n of rng.shuffle([3, 4, 5])) if (x % n === 0 && x > n) return op('div', n);
    return undefined;
  },
  clause: (s, o) =>
    `${verb(s, 'share')} them equally among ${o.a} people and ${verb(s, 'keep')} one share`,
  step: (s, x, o, y) => `One share of ${o.a} equal shares is ${x} / ${o.a} = ${u(s, y)}.`,
};

const giveEach: OpTemplate = {
  make: (rng, x, m, s) => {
    if (isLiquid(s)) return undefined;
    const a = rng.int(2, 5);
    const b = rng.int(1, Math.max(2, Math.floor(m / 2)));
    return x - a * b > 0 ? op('subProduct', a, b) : undefined;
  },
  clause: (s, o) => `${verb(s, 'give')} ${o.a} friends ${o.b} ${s.words.objects} each`,
  step: (s, x, o, y) =>
    `Giving ${o.a} friends ${o.b} each leaves ${x} - ${o.a} * ${o.b} = ${u(s, y)}.`,
};

/** Liquids and items: add, remove, halve, remove a fraction, share, give several each. */
export const quantities: DomainSpec = {
  domain: 'quantities',
  scene: (rng) => (rng.chance(0.5) ? liquidScene(rng) : itemScene(rng)),
  opening: (s, rng, m) => {
    const start = rng.int(Math.max(2, Math.ceil(m / 2)), m * 2) * s.startGrain * 2;
    const name = s.subject === 'you' ? 'You' : s.subject;
    const sentence = isLiquid(s)
      ? rng.pick([
          `A ${s.words.container} contains ${start} mL of ${s.words.liquid}.`,
          `There are ${start} mL of ${s.words.liquid} in a ${s.words.container}.`,
          `${name} ${verb(s, 'fill')} a ${s.words.container} with ${start} mL of ${s.words.liquid}.`,
        ])
      : rng.pick([
          `${name} ${verb(s, 'have')} ${start} ${s.words.objects}.`,
          `${name} ${verb(s, 'collect')} ${start} ${s.words.objects}.`,
          `There are ${start} ${s.words.objects} in ${s.subject === 'you' ? 'your' : `${s.subject}'s`} box.`,
        ]);
    return { sentence, start };
  },
  templates: [add, sub, half, removeFraction, shareEqually, giveEach],
  question: (s, rng) =>
    isLiquid(s)
      ? rng.pick([
          `How much liquid is in the ${s.words.container} now?`,
          `How many mL of liquid are in the ${s.words.container} at the end?`,
        ])
      : rng.pick([
          `How many ${s.words.objects} ${does(s)} ${s.subject} have now?`,
          `How many ${s.words.objects} ${does(s)} ${s.subject} have at the end?`,
        ]),
  assemble: assemblePairs,
};
