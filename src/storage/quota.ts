/** Storage used and available to this origin, and whether it is nearly full. */
export interface StorageUsage {
  usage: number;
  quota: number;
  /** usage / quota >= QUOTA_WARN_FRACTION. */
  warn: boolean;
}

export const QUOTA_WARN_FRACTION = 0.8;

export async function estimateStorage(): Promise<StorageUsage | null> {
  try {
    if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return null;
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    if (!quota) return null;
    return { usage, quota, warn: usage / quota >= QUOTA_WARN_FRACTION };
  } catch {
    return null;
  }
}
