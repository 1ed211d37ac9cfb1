/**
 * Place-value worked detail: the equation of a worked step written as a chain of small moves, each
 * a one-digit fact plus copying, so a small scratch model can learn the arithmetic instead of
 * guessing the result ("37 + 8 = 30 + 15 = 45", "23 - 7 = 10 + 13 - 7 = 10 + 6 = 16").
 *
 *   x + y, y = H + r (H = y's leading place):  x + y = (x + H) + r
 *   x + d (d < 10), x = T + u:                 x + d = T + (u + d)
 *   x - d (d < 10), x = T' + u' (u' >= d, u' < 20: borrow a ten when u < d):
 *                                              x - d = T' + u' - d = T' + (u' - d)
 *   x * m (m < 10), x = H + r:                 x * m = H * m + r * m
 *   x / n (n < 10), x = M + r (M = the largest multiple of 10n <= x):
 *                                              x / n = M / n + r / n
 *   x +/- a * b:                               = x +/- (a * b), then as above
 */
import { applyOp, opExpression, type ArithmeticOp, type ProblemTrace } from './ops';

/** How worked steps show their arithmetic: the bare equation, or the place-value chain. */
export type WorkedDetail = 'plain' | 'place-value';

const isWhole = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** Leading place part of n: 347 -> 300, 40 -> 40, 7 -> 7. */
function leadingPart(n: number): number {
  const place = 10 ** (String(n).length - 1);
  return Math.floor(n / place) * place;
}

/** Expressions strictly between "x + y" and its value. */
export function addChain(x: number, y: number): string[] {
  if (!isWhole(x) || !isWhole(y)) return [];
  if (y >= 10) {
    const h = leadingPart(y);
    const r = y - h;
    return r === 0 ? [] : [`${x + h} + ${r}`, ...addChain(x + h, r)];
  }
  const u = x % 10;
  const t = x - u;
  if (t === 0 || u === 0 || y === 0) return [];
  return [`${t} + ${u + y}`];
}

/** Expressions strictly between "x - y" (x >= y) and its value. */
export function subChain(x: number, y: number): string[] {
  if (!isWhole(x) || !isWhole(y) || y > x) return [];
  if (y >= 10) {
    const h = leadingPart(y);
    const r = y - h;
    return r === 0 ? [] : [`${x - h} - ${r}`, ...subChain(x - h, r)];
  }
  const u = x % 10;
  const borrow = u < y ? 10 : 0;
  const t = x - u - borrow;
  if (t === 0 || y === 0) return [];
  return [`${t} + ${u + borrow} - ${y}`, `${t} + ${u + borrow - y}`];
}

/** Expressions strictly between "x * m" and its value (a one-digit factor only). */
export function mulChain(x: number, m: number): string[] {
  if (!isWhole(x) || !isWhole(m)) return [];
  const [n, k] = x >= m ? [x, m] : [m, x];
  if (k >= 10 || n < 10) return [];
  const h = leadingPart(n);
  const r = n - h;
  if (r === 0) return [];
  return [`${h} * ${k} + ${r} * ${k}`, `${h * k} + ${r * k}`, ...addChain(h * k, r * k)];
}

/** Expressions strictly between "x / n" and its value (exact division by a digit only). */
export function divChain(x: number, n: number): string[] {
  if (!isWhole(x) || !Number.isInteger(n) || n < 2 || n >= 10 || x % n !== 0) return [];
  if (x < 10 * n) return [];
  const m = Math.floor(x / (10 * n)) * 10 * n;
  const r = x - m;
  if (r === 0) return [];
  return [`${m} / ${n} + ${r} / ${n}`, `${m / n} + ${r / n}`, ...addChain(m / n, r / n)];
}

/** The chain for one op applied to x; [] when the plain equation is already one small fact. */
export function placeValueChain(x: number, o: ArithmeticOp): string[] {
  switch (o.kind) {
    case 'add':
      return addChain(x, o.a);
    case 'sub':
      return subChain(x, o.a);
    case 'mul':
      return mulChain(x, o.a);
    case 'div':
      return divChain(x, o.a);
    case 'addProduct':
      return [`${x} + ${o.a * o.b}`, ...addChain(x, o.a * o.b)];
    case 'subProduct':
      return [`${x} - ${o.a * o.b}`, ...subChain(x, o.a * o.b)];
    case 'scale':
      return [];
  }
}

/**
 * A worked step with its equation "E = " expanded to "E = c1 = c2 = ", E = opExpression(x, o).
 * Steps that do not contain E verbatim are returned unchanged.
 */
export function withPlaceValue(step: string, x: number, o: ArithmeticOp): string {
  const chain = placeValueChain(x, o);
  const head = `${opExpression(x, o)} = `;
  const at = step.indexOf(head);
  if (chain.length === 0 || at < 0) return step;
  const cut = at + head.length;
  return `${step.slice(0, cut)}${chain.join(' = ')} = ${step.slice(cut)}`;
}

/** Every step of a problem (steps[i] works ops[i] of the trace) with the requested detail. */
export function detailSteps(
  steps: readonly string[],
  trace: ProblemTrace,
  detail: WorkedDetail,
): string[] {
  if (detail === 'plain' || steps.length !== trace.ops.length) return [...steps];
  let x = trace.start;
  return steps.map((step, i) => {
    const o = trace.ops[i];
    const out = withPlaceValue(step, x, o);
    x = applyOp(x, o);
    return out;
  });
}
