/**
 * The live alarms' thresholds: a page setting kept in this browser (localStorage), not part of a
 * run's config, since they change what the page points out, never what trains; every run, live
 * or saved, is judged by the same thresholds.
 */
import { create } from 'zustand';
import { DEFAULT_ALARM_SETTINGS, parseAlarmSettings, type AlarmSettings } from '../contract/alarms';

const STORAGE = 'thinktuning-lab.alarms';

function stored(): AlarmSettings {
  try {
    return parseAlarmSettings(JSON.parse(localStorage.getItem(STORAGE) ?? 'null'));
  } catch {
    return { ...DEFAULT_ALARM_SETTINGS };
  }
}

export const useAlarmSettings = create<AlarmSettings>(() => stored());

export function setAlarmSetting<K extends keyof AlarmSettings>(key: K, value: number): void {
  if (!Number.isFinite(value) || value < 0) return;
  useAlarmSettings.setState({ [key]: value } as Pick<AlarmSettings, K>);
  try {
    localStorage.setItem(STORAGE, JSON.stringify(useAlarmSettings.getState()));
  } catch {
    // storage disabled: this page only
  }
}

export function resetAlarmSettings(): void {
  useAlarmSettings.setState({ ...DEFAULT_ALARM_SETTINGS });
  try {
    localStorage.removeItem(STORAGE);
  } catch {
    // storage disabled
  }
}
