/** Storage used and available to this origin, and whether it is nearly full. */
export interface StorageUsage {
  usage: number;
  quota: number;
  /** usage / quota >= QUOTA_WARN_FRACTION. */
  warn: boolean;
}

export const QUOTA_WARN_FRACTION = 0.8;
