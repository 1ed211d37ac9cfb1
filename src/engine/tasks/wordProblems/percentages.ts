/** Percentages domain: prices and memberships that rise and fall by percentages. */
import type { SeededRng } from '../../random';
import { op } from './ops';
import { amount, assemblePairs, type DomainSpec, type OpTemplate, type Scene } from './scene';

const ITEMS = ['jacket', 'bicycle', 'laptop', 'sofa', 'camera', 'guitar'];
const GROUPS = ['chess club', 'choir', 'book club', 'hiking group', 'robotics team'];
const PERCENTS = [10, 20, 25, 50, 5, 15, 30, 40, 60, 75];

function priceScene(rng: SeededRng): Scene {
  const item = rng.pick(ITEMS);
  return {
    subject: `the price of the ${item}`,
    third: true,
    unit: (n) => `$${n}`,
    grain: 1,
    startGrain: 20,
    words: { kind: 'price', item, up: 'rises', down: 'drops', plus: 'goes up', minus: 'goes down' },
  };
}

function groupScene(rng: SeededRng): Scene {
  const group = rng.pick(GROUPS);
  return {
    subject: `the ${group}`,
    third: true,
    unit: (n) => `${n} ${n === 1 ? 'member' : 'members'}`,
    grain: 1,
    startGrain: 20,
    words: { kind: 'group', group, up: 'grows', down: 'shrinks', plus: 'gains', minus: 'loses' },
  };
}

const isPrice = (s: Scene): boolean => s.words.kind === 'price';
const amountText = (s: Scene, n: number): string => s.unit(n);

/** Percent p that keeps x * (100 +/- p) / 100 an integer. */
function fittingPercent(rng: SeededRng, x: number, sign: 1 | -1): number | undefined {
  for (const p of rng.shuffle(PERCENTS)) if ((x * (100 + sign * p)) % 100 === 0) return p;
  return undefined;
}

const rise: OpTemplate = {
  make: (rng, x) => {
    const p = fittingPercent(rng, x, 1);
    return p === undefined ? undefined : op('scale', 100 + p, 100);
  },
  clause: (s, o) => `${s.words.up} by ${o.a - 100}%`,
  step: (s, x, o, y) =>
    `A ${o.a - 100}% increase means ${o.a}% of ${x}: ${x} * ${o.a} / 100 = ${s.unit(y)}.`,
};

const fall: OpTemplate = {
  make: (rng, x) => {
    const p = fittingPercent(rng, x, -1);
    return p === undefined ? undefined : op('scale', 100 - p, 100);
  },
  clause: (s, o) => `${s.words.down} by ${100 - o.a}%`,
  step: (s, x, o, y) =>
    `A ${100 - o.a}% decrease leaves ${o.a}% of ${x}: ${x} * ${o.a} / 100 = ${s.unit(y)}.`,
};

const plus: OpTemplate = {
  make: (rng, _x, m) => op('add', amount(rng, 1, Math.max(2, m), 1) ?? 1),
  clause: (s, o) => `${s.words.plus} ${isPrice(s) ? 'by ' : ''}${amountText(s, o.a)}`,
  step: (s, x, o, y) => `Adding ${amountText(s, o.a)} gives ${x} + ${o.a} = ${s.unit(y)}.`,
};

const minus: OpTemplate = {
  make: (rng, x, m) => {
    const a = amount(rng, 1, Math.min(x - 1, m), 1);
    return a === undefined ? undefined : op('sub', a);
  },
  clause: (s, o) => `${s.words.minus} ${isPrice(s) ? 'by ' : ''}${amountText(s, o.a)}`,
  step: (s, x, o, y) => `Taking away ${amountText(s, o.a)} gives ${x} - ${o.a} = ${s.unit(y)}.`,
};

/** Percentages: a price or a membership count changed by percentages and fixed amounts. */
export const percentages: DomainSpec = {
  domain: 'percentages',
  scene: (rng) => (rng.chance(0.5) ? priceScene(rng) : groupScene(rng)),
  opening: (s, rng, m) => {
    const start = rng.int(Math.max(1, Math.ceil(m / 4)), Math.max(2, m)) * s.startGrain;
    const sentence = isPrice(s)
      ? rng.pick([
          `A ${s.words.item} costs $${start}.`,
          `The price of a ${s.words.item} is $${start}.`,
        ])
      : rng.pick([
          `The ${s.words.group} has ${start} members.`,
          `At the start of the year, the ${s.words.group} has ${start} members.`,
        ]);
    return { sentence, start };
  },
  templates: [rise, fall, rise, fall, plus, minus],
  question: (s, rng) =>
    isPrice(s)
      ? rng.pick([
          `What is the final price of the ${s.words.item}, in dollars?`,
          `How much does the ${s.words.item} cost now?`,
        ])
      : rng.pick([
          `How many members does the ${s.words.group} have now?`,
          `How many members are in the ${s.words.group} at the end?`,
        ]),
  assemble: assemblePairs,
};
