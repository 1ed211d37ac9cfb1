/**
 * The arithmetic behind generated word problems: one operation per worked step,
 * applied to a running value, plus the "typical mistake" variants used for distractors.
 */

/** Kinds of single-step operations on the running value x. */
export type OpKind = 'add' | 'sub' | 'mul' | 'div' | 'scale' | 'addProduct' | 'subProduct';

/**
 * One step. add: x + a; sub: x - a; mul: x * a; div: x / a; scale: x * a / b (fractions,
 * percentages); addProduct: x + a * b; subProduct: x - a * b. Unused operands are 0.
 */
export interface ArithmeticOp {
  kind: OpKind;
  a: number;
  b: number;
}

/** The structured form of a generated problem: a start value and the ops applied in order. */
export interface ProblemTrace {
  start: number;
  ops: ArithmeticOp[];
}

/** Build an op; b defaults to 0 for the one-operand kinds. */
export function op(kind: OpKind, a: number, b = 0): ArithmeticOp {
  return { kind, a, b };
}

/** Apply one op to x (formula per kind in ArithmeticOp's comment). */
export function applyOp(x: number, o: ArithmeticOp): number {
  switch (o.kind) {
    case 'add':
      return x + o.a;
    case 'sub':
      return x - o.a;
    case 'mul':
      return x * o.a;
    case 'div':
      return x / o.a;
    case 'scale':
      return (x * o.a) / o.b;
    case 'addProduct':
      return x + o.a * o.b;
    case 'subProduct':
      return x - o.a * o.b;
  }
}

/** The expression a worked step shows, e.g. "300 / 2" or "120 - 3 * 4". */
export function opExpression(x: number, o: ArithmeticOp): string {
  switch (o.kind) {
    case 'add':
      return `${x} + ${o.a}`;
    case 'sub':
      return `${x} - ${o.a}`;
    case 'mul':
      return `${x} * ${o.a}`;
    case 'div':
      return `${x} / ${o.a}`;
    case 'scale':
      return o.a === 1 ? `${x} / ${o.b}` : `${x} * ${o.a} / ${o.b}`;
    case 'addProduct':
      return `${x} + ${o.a} * ${o.b}`;
    case 'subProduct':
      return `${x} - ${o.a} * ${o.b}`;
  }
}

/** Replay a trace; returns the value after each op (the last one is the answer). */
export function replay(trace: ProblemTrace): number[] {
  const values: number[] = [];
  let x = trace.start;
  for (const o of trace.ops) {
    x = applyOp(x, o);
    values.push(x);
  }
  return values;
}

/** Final value of a list of ops applied to start. */
export function evaluate(start: number, ops: readonly ArithmeticOp[]): number {
  return ops.reduce(applyOp, start);
}

/**
 * The "wrong operation" mistake: add<->sub, mul<->div, addProduct<->subProduct, and for a
 * fraction a/b < 1 the complementary fraction (b-a)/b (the removed part instead of the rest);
 * for a/b > 1 the inverted fraction b/a.
 */
export function wrongOperation(o: ArithmeticOp): ArithmeticOp {
  switch (o.kind) {
    case 'add':
      return op('sub', o.a);
    case 'sub':
      return op('add', o.a);
    case 'mul':
      return op('div', o.a);
    case 'div':
      return op('mul', o.a);
    case 'scale':
      return o.a < o.b ? op('scale', o.b - o.a, o.b) : op('scale', o.b, o.a);
    case 'addProduct':
      return op('subProduct', o.a, o.b);
    case 'subProduct':
      return op('addProduct', o.a, o.b);
  }
}

/**
 * The "order of operations" mistake inside one step: x +/- a * b computed as (x +/- a) * b.
 * Undefined for kinds with a single operation.
 */
export function wrongPrecedence(x: number, o: ArithmeticOp): number | undefined {
  if (o.kind === 'addProduct') return (x + o.a) * o.b;
  if (o.kind === 'subProduct') return (x - o.a) * o.b;
  return undefined;
}

/** A value fit for a generated problem: a positive safe integer below 10^8. */
export function isCleanValue(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && n < 1e8;
}
