/**
 * Parsing answer text into numbers and letters: "1,000", "$1,234.50", "150 mL", "50%", "-3",
 * "1/2", "\frac{1}{2}", "\dfrac12", "B", "(B)", "\text{B}". All patterns are linear-time.
 */

/** Longest answer text considered; longer candidates are cut (keeps every scan bounded). */
export const MAX_CANDIDATE_CHARS = 2000;

const NUMBER = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+`;
/** First number, optional sign and optional "/denominator": -1,234.5 or 3/4. */
const FIRST_NUMBER = new RegExp(String.raw`([-−])? ?(${NUMBER})(?: ?/ ?(${NUMBER}))?`);

/** Strip LaTeX wrappers and money/percent marks, keeping the content. */
export function cleanLatex(text: string): string {
  return (
    text
      .slice(0, MAX_CANDIDATE_CHARS)
      .replace(/\\(?:text|mathrm|textbf|mathbf|mbox|operatorname)\s?\{([^{}]*)\}/g, ' $1 ')
      .replace(/\\[dt]?frac\s?\{([^{}]*)\}\s?\{([^{}]*)\}/g, '($1)/($2)')
      .replace(/\\[dt]?frac(\d)(\d)/g, '$1/$2')
      .replace(/\{,\}/g, ',')
      .replace(/\\[,;:! ]/g, '')
      .replace(/\\(?:left|right|boxed|displaystyle|\$|%)/g, '')
      .replace(/[{}$]/g, '')
      // "(1)/(2)" from \frac becomes "1/2"; "(-3)" becomes "-3".
      .replace(/\(\s?([-−]?[\d.,]+)\s?\)/g, '$1')
  );
}

function toNumber(digits: string): number {
  return Number(digits.replace(/,/g, ''));
}

/**
 * The numeric value of an answer text, or null. Uses the part after the last "=" (so
 * "300 / 2 + 100 = 250" gives 250) and its first number; a/b is divided; units, "$", "%"
 * and surrounding words are ignored.
 */
export function parseNumericAnswer(text: string): number | null {
  let s = cleanLatex(text);
  const eq = s.lastIndexOf('=');
  if (eq >= 0) s = s.slice(eq + 1);
  const m = FIRST_NUMBER.exec(s);
  if (!m) return null;
  let value = toNumber(m[2]);
  if (m[3] !== undefined) {
    const den = toNumber(m[3]);
    if (den === 0) return null;
    value /= den;
  }
  if (m[1]) value = -value;
  return Number.isFinite(value) ? value : null;
}

/**
 * The option letter A-E an answer text names, or null: "B", "(B)", "B)", "B.", "\boxed{B}",
 * "\text{B}", "option B", "B) 250". Only upper-case letters count outside parentheses.
 */
export function parseLetterAnswer(text: string): string | null {
  const s = cleanLatex(text).trim();
  const m =
    /^(?:(?:option|choice)\s)?\(?([A-E])(?:\)|\.|:|,|\s|$)/.exec(s) ??
    /^\(([a-e])\)/.exec(s) ??
    /^(?:option|choice)\s\(?([A-Ea-e])\b/i.exec(s);
  return m ? m[1].toUpperCase() : null;
}

/**
 * Numeric equality: two integers must match exactly (so 1450001 != 1450000); otherwise
 * |a - b| <= tol * max(|a|, |b|), which absorbs rounding in decimals such as 0.333333 vs 1/3.
 */
export function numbersClose(a: number, b: number, relTol = 1e-6): boolean {
  if (a === b) return true;
  if (Number.isInteger(a) && Number.isInteger(b)) return false;
  return Math.abs(a - b) <= relTol * Math.max(Math.abs(a), Math.abs(b));
}
