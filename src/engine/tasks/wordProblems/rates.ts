/** Rates domain: distance from speed and time, work from a rate and hours. */
import type { SeededRng } from '../../random';
import { op } from './ops';
import { amount, pickActor, verb, type DomainSpec, type OpTemplate, type Scene } from './scene';

const VEHICLES = ['cyclist', 'truck', 'bus', 'boat', 'train', 'runner'];
const PRODUCTS = ['boxes', 'toys', 'shirts', 'loaves of bread', 'chairs'];

function travelScene(rng: SeededRng): Scene {
  const vehicle = rng.pick(VEHICLES);
  return {
    subject: `the ${vehicle}`,
    third: true,
    unit: (n) => `${n} km`,
    grain: 1,
    startGrain: 1,
    words: { kind: 'travel', vehicle, per: 'km per hour', thing: 'km', span: 'hours' },
  };
}

function workScene(rng: SeededRng): Scene {
  const actor = pickActor(rng, 0);
  const thing = rng.pick(PRODUCTS);
  return {
    ...actor,
    unit: (n) => `${n} ${thing}`,
    grain: 1,
    startGrain: 1,
    words: { kind: 'work', per: `${thing} per hour`, thing, span: 'hours' },
  };
}

const isTravel = (s: Scene): boolean => s.words.kind === 'travel';

const secondLeg: OpTemplate = {
  make: (rng, _x, m) =>
    op(
      'addProduct',
      rng.int(2, Math.max(3, Math.min(12, m))),
      rng.int(2, Math.max(3, Math.min(6, m))),
    ),
  clause: (s, o) =>
    isTravel(s)
      ? `${verb(s, 'go')} at ${o.a} km per hour for ${o.b} more hours`
      : `${verb(s, 'make')} ${o.a} ${s.words.thing} per hour for ${o.b} more hours`,
  step: (s, x, o, y) =>
    `${o.b} more hours at ${o.a} ${s.words.per} bring the total to ${x} + ${o.a} * ${o.b} = ${s.unit(y)}.`,
};

const extra: OpTemplate = {
  make: (rng, _x, m) => op('add', amount(rng, 1, Math.max(2, m), 1) ?? 1),
  clause: (s, o) =>
    isTravel(s)
      ? `${verb(s, 'cover')} another ${o.a} km`
      : `${verb(s, 'finish')} ${o.a} more ${s.words.thing} after a break`,
  step: (s, x, o, y) => `Adding ${s.unit(o.a)} gives ${x} + ${o.a} = ${s.unit(y)}.`,
};

const backAgain: OpTemplate = {
  noRepeat: true,
  make: (_rng, _x, _m, s) => (isTravel(s) ? op('mul', 2) : undefined),
  clause: (s) => `${verb(s, 'return')} along the same route`,
  step: (s, x, _o, y) => `Going back doubles the distance: ${x} * 2 = ${s.unit(y)}.`,
};

const rejects: OpTemplate = {
  make: (rng, x, m, s) => {
    if (isTravel(s)) return undefined;
    const a = amount(rng, 1, Math.min(x - 1, Math.max(1, m)), 1);
    return a === undefined ? undefined : op('sub', a);
  },
  clause: (s, o) => `${verb(s, 'find')} ${o.a} of them damaged and ${verb(s, 'throw')} them away`,
  step: (s, x, o, y) => `Removing ${o.a} damaged ones leaves ${x} - ${o.a} = ${s.unit(y)}.`,
};

/** Rates: the opening "rate for duration" is the first step (rate * duration). */
export const rates: DomainSpec = {
  domain: 'rates',
  scene: (rng) => (rng.chance(0.5) ? travelScene(rng) : workScene(rng)),
  opening: (s, rng, m) => {
    const rate = rng.int(Math.max(3, Math.ceil(m / 3)), Math.max(6, m));
    const hours = rng.int(2, Math.max(3, Math.min(9, Math.ceil(m / 5))));
    const name = s.third ? s.subject[0].toUpperCase() + s.subject.slice(1) : 'You';
    const sentence = isTravel(s)
      ? rng.pick([
          `A ${s.words.vehicle} travels at ${rate} km per hour for ${hours} hours.`,
          `A ${s.words.vehicle} moves at a steady ${rate} km per hour for ${hours} hours.`,
        ])
      : rng.pick([
          `${name} ${verb(s, 'make')} ${rate} ${s.words.thing} per hour for ${hours} hours.`,
          `Working at ${rate} ${s.words.thing} per hour, ${s.subject} ${verb(s, 'keep')} going for ${hours} hours.`,
        ]);
    return {
      sentence,
      start: rate,
      first: {
        op: op('mul', hours),
        step: (x, y) =>
          `In ${hours} hours at ${x} ${s.words.per} that is ${x} * ${hours} = ${s.unit(y)}.`,
      },
    };
  },
  templates: [secondLeg, extra, backAgain, rejects],
  question: (s, rng) =>
    isTravel(s)
      ? rng.pick([
          `How many km does the ${s.words.vehicle} travel in total?`,
          `What total distance, in km, does the ${s.words.vehicle} cover?`,
        ])
      : rng.pick([
          `How many ${s.words.thing} does ${s.subject} end up with?`,
          `How many ${s.words.thing} are there in the end?`,
        ]),
  assemble: (s, clauses, rng) => {
    if (clauses.length === 0) return '';
    const subject = isTravel(s) ? 'it' : s.subject;
    const parts: string[] = [];
    for (let i = 0; i < clauses.length; i += 2) {
      const lead = i === 0 ? `Then ${subject}` : `${rng.pick(['After that,', 'Next,'])} ${subject}`;
      parts.push(`${lead} ${clauses.slice(i, i + 2).join(', then ')}.`);
    }
    return parts.join(' ');
  },
};
