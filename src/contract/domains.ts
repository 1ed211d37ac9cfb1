/** The word-problem domains the generator knows (data.domains). */
/** The problem domains the generator knows. */
export type Domain = 'quantities' | 'money' | 'time' | 'rates' | 'fractions' | 'percentages';

/** All domains, in a fixed order. */
export const ALL_DOMAINS: readonly Domain[] = [
  'quantities',
  'money',
  'time',
  'rates',
  'fractions',
  'percentages',
];
