/** Public API of the RL math: advantages, losses, schedules, teacher selection. */
export * from './advantages';
export * from './aggregation';
export * from './losses';
export * from './metrics';
export * from './off-policy-shaping';
export * from './ppo-surrogate';
export * from './regularizers';
export * from './registry';
export * from './schedule';
export * from './selection';
export * from './stop-gradient';
export * from './masked-reductions';
