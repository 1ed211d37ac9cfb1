import { QUOTA_WARN_FRACTION, type StorageUsage } from '../contract/storageUsage';

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
