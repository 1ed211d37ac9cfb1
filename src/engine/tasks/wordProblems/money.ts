/** Money domain: earning, spending, buying several items at a price, splitting into envelopes. */
import { op } from './ops';
import {
  amount,
  assemblePairs,
  does,
  pickActor,
  verb,
  type DomainSpec,
  type OpTemplate,
  type Scene,
} from './scene';

const THINGS = ['book', 'scarf', 'lamp', 'board game', 'backpack', 'kite', 'plant'];
const PLURAL_THINGS = ['notebooks', 'tickets', 'sandwiches', 'pens', 'candles', 'mugs'];
const JOBS = ['walking dogs', 'washing cars', 'tutoring', 'mowing lawns', 'babysitting'];

const dollars = (n: number): string => `$${n}`;

const earn: OpTemplate = {
  make: (rng, _x, m, s) => op('add', amount(rng, 1, m, s.grain) ?? 1),
  clause: (s, o, rng) =>
    rng.pick([
      `${verb(s, 'earn')} $${o.a} ${rng.pick(JOBS)}`,
      `${verb(s, 'get')} $${o.a} as a gift`,
      `${verb(s, 'find')} $${o.a} in an old jacket`,
    ]),
  step: (_s, x, o, y) => `Receiving $${o.a} makes it ${x} + ${o.a} = ${dollars(y)}.`,
};

const spend: OpTemplate = {
  make: (rng, x, m, s) => {
    const a = amount(rng, 1, Math.min(x - 1, m), s.grain);
    return a === undefined ? undefined : op('sub', a);
  },
  clause: (s, o, rng) =>
    rng.pick([
      `${verb(s, 'spend')} $${o.a} on a ${rng.pick(THINGS)}`,
      `${verb(s, 'pay')} $${o.a} for a ${rng.pick(THINGS)}`,
    ]),
  step: (_s, x, o, y) => `Spending $${o.a} leaves ${x} - ${o.a} = ${dollars(y)}.`,
};

const buySeveral: OpTemplate = {
  make: (rng, x, m) => {
    const a = rng.int(2, 6);
    const b = rng.int(2, Math.max(3, Math.floor(m / 3)));
    return x - a * b > 0 ? op('subProduct', a, b) : undefined;
  },
  clause: (s, o, rng) => `${verb(s, 'buy')} ${o.a} ${rng.pick(PLURAL_THINGS)} at $${o.b} each`,
  step: (_s, x, o, y) =>
    `Buying ${o.a} at $${o.b} each leaves ${x} - ${o.a} * ${o.b} = ${dollars(y)}.`,
};

const earnHourly: OpTemplate = {
  make: (rng, _x, m) => op('addProduct', rng.int(2, 8), rng.int(5, Math.max(6, Math.floor(m / 2)))),
  clause: (s, o, rng) => `${verb(s, 'work')} ${o.a} hours ${rng.pick(JOBS)} at $${o.b} an hour`,
  step: (_s, x, o, y) =>
    `Working ${o.a} hours at $${o.b} an hour gives ${x} + ${o.a} * ${o.b} = ${dollars(y)}.`,
};

const envelopes: OpTemplate = {
  make: (rng, x) => {
    for (const n of rng.shuffle([2, 3, 4, 5])) if (x % n === 0 && x > n) return op('div', n);
    return undefined;
  },
  clause: (s, o) =>
    `${verb(s, 'split')} the money equally into ${o.a} envelopes and ${verb(s, 'keep')} one`,
  step: (_s, x, o, y) => `One of ${o.a} equal envelopes holds ${x} / ${o.a} = ${dollars(y)}.`,
};

/** Money: a wallet or savings that changes through earning and spending. */
export const money: DomainSpec = {
  domain: 'money',
  scene: (rng): Scene => ({ ...pickActor(rng), unit: dollars, grain: 1, startGrain: 1, words: {} }),
  opening: (s, rng, m) => {
    const start = rng.int(Math.max(5, m), m * 4);
    const name = s.subject === 'you' ? 'You' : s.subject;
    const sentence = rng.pick([
      `${name} ${verb(s, 'have')} $${start}.`,
      `${name} ${verb(s, 'start')} the week with $${start} in a wallet.`,
      `${name} ${verb(s, 'have')} saved $${start}.`,
    ]);
    return { sentence, start };
  },
  templates: [earn, spend, buySeveral, earnHourly, envelopes],
  question: (s, rng) =>
    rng.pick([
      `How much money ${does(s)} ${s.subject} have now?`,
      `How many dollars ${does(s)} ${s.subject} have at the end?`,
    ]),
  assemble: assemblePairs,
};
