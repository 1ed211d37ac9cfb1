/** The runs the compare view offers, and the selected ones. */
import { useEffect, useMemo } from 'react';
import { loadStoredMetrics } from '../../state/compareActions';
import { compareCandidates } from '../../state/compareRuns';
import { useLab } from '../../state/labStore';
import { defaultPairing, type RunForCompare } from '../compareData';

/** The runs to offer and the selection (the default pairing until the user picks). */
export function useCompareRuns(): { runs: RunForCompare[]; selected: RunForCompare[] } {
  const savedRuns = useLab((s) => s.savedRuns);
  const libraryRuns = useLab((s) => s.libraryRuns);
  const storedMetrics = useLab((s) => s.storedMetrics);
  const currentRunId = useLab((s) => s.currentRunId);
  const run = useLab((s) => s.run);
  const runConfig = useLab((s) => s.runConfig);
  const history = useLab((s) => s.history);
  const runStartedAt = useLab((s) => s.runStartedAt);
  const selection = useLab((s) => s.compareSelection);
  const picked = useMemo(() => {
    const runs = compareCandidates({
      savedRuns,
      libraryRuns,
      storedMetrics,
      run,
      runConfig,
      history,
      runStartedAt,
      currentRunId,
    });
    const ids = selection ?? defaultPairing(runs);
    const selected = ids.flatMap((id) => runs.filter((r) => r.id === id));
    return { runs, selected };
  }, [
    savedRuns,
    libraryRuns,
    storedMetrics,
    run,
    runConfig,
    history,
    runStartedAt,
    currentRunId,
    selection,
  ]);
  // Saved runs' metrics are read from the run store when they are shown.
  const toLoad = picked.selected
    .filter((r) => r.origin === 'stored' && !(r.id in storedMetrics))
    .map((r) => r.id)
    .join(',');
  useEffect(() => {
    if (toLoad) void loadStoredMetrics(toLoad.split(','));
  }, [toLoad]);
  return picked;
}
