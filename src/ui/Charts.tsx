import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { selectStep, setSmoothing } from '../state/actions';
import { loadStoredMetrics } from '../state/compareActions';
import { useLab } from '../state/labStore';
import { canResume, chartHistory, previewRun } from '../state/savedRunView';
import { CHARTS, chartRows, type ChartDef, type ChartRow } from './chartData';

/** A value for the hover card: 3 decimals, or exponent / no decimals at the extremes. */
const fmt = (v: number, percent?: boolean) => {
  if (!Number.isFinite(v)) return '—';
  if (percent) return `${(v * 100).toFixed(1)}%`;
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(0) : v.toFixed(3);
};

/** An axis tick: short (3 significant digits, k / M suffixes, whole percents). */
export const tick = (v: number, percent?: boolean): string => {
  if (!Number.isFinite(v)) return '';
  if (percent) return `${Math.round(v * 100)}%`;
  const a = Math.abs(v);
  const short = (x: number) => String(Number(x.toPrecision(3)));
  if (a === 0) return '0';
  if (a >= 1e6) return `${short(v / 1e6)}M`;
  if (a >= 1e3) return `${short(v / 1e3)}k`;
  if (a < 1e-3) return v.toExponential(0);
  return short(v);
};

interface TipProps {
  active?: boolean;
  label?: string | number;
  payload?: ReadonlyArray<{ payload?: ChartRow }>;
  def: ChartDef;
}

/** Hover card: the step's raw values (and smoothed ones when smoothing is on). */
function StepTooltip({ active, payload, label, def }: TipProps) {
  const row = payload?.[0]?.payload;
  if (!active || !row) return null;
  const smoothing = useLab.getState().smoothing;
  return (
    <div className="chart-tip">
      <div className="chart-tip-title">step {label} · click to inspect</div>
      {def.band && Array.isArray(row[def.band.key]) && (
        <div className="muted">
          {def.band.label}: {fmt((row[def.band.key] as [number, number])[0])} …{' '}
          {fmt((row[def.band.key] as [number, number])[1])}
        </div>
      )}
      {def.series.map((s) => {
        const raw = row[`raw:${s.key}`] as number | null;
        if (raw === null || raw === undefined) return null;
        const sm = row[s.key] as number | null;
        return (
          <div key={s.key}>
            <span style={{ color: s.color }}>■</span> {s.label}: {fmt(raw, def.percent)}
            {smoothing > 0 && sm !== null && (
              <span className="muted"> (smoothed {fmt(sm, def.percent)})</span>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** Gap between two charts' redraws, so each redraw is its own short task. */
const STAGGER_MS = 20;
/** Each chart redraws at most this often (fast runs finish several steps a second). */
const REDRAW_MS = 750;

/**
 * `value`, picked up at most every REDRAW_MS, `delayMs` after it changes, and rendered at once
 * in that timer's task: each chart redraws (with recharts' own store updates) in a task of its
 * own instead of all charts in one long one, so the page stays responsive while training. (A
 * transition would batch the charts' updates back into one render.)
 */
function useStaggered<T>(value: T, delayMs: number): T {
  const [shown, setShown] = useState(value);
  const lastRedraw = useRef(0);
  useEffect(() => {
    if (Object.is(shown, value)) return;
    const wait = Math.max(delayMs, lastRedraw.current + REDRAW_MS - performance.now());
    const t = setTimeout(() => {
      lastRedraw.current = performance.now();
      flushSync(() => setShown(value));
    }, wait);
    return () => clearTimeout(t);
  }, [value, shown, delayMs]);
  return shown;
}

/** One live chart: subscribes to the history and smoothing only; rows memoized. */
const MetricChart = memo(function MetricChart({ def, slot }: { def: ChartDef; slot: number }) {
  const history = useStaggered(useLab(chartHistory), slot * STAGGER_MS);
  const smoothing = useLab((s) => s.smoothing);
  const inspectStep = useLab((s) => s.inspectStep);
  const projector = useLab((s) => s.projector);
  const rows = useMemo(() => chartRows(def, history, smoothing), [def, history, smoothing]);
  return <ChartBody def={def} rows={rows} inspectStep={inspectStep} projector={projector} />;
});

/** Axis text, line width and height: projector mode is read from the back of a room. */
export function chartLook(projector: boolean) {
  return projector
    ? { fontSize: 15, strokeWidth: 3, height: 240, tickFill: '#e5e7eb', grid: '#374151' }
    : { fontSize: 10, strokeWidth: 1.5, height: 150, tickFill: '#9ca3af', grid: '#1f2937' };
}

const ChartBody = memo(function ChartBody({
  def,
  rows,
  inspectStep,
  projector,
}: {
  def: ChartDef;
  rows: ChartRow[];
  inspectStep: number | null;
  projector: boolean;
}) {
  const look = chartLook(projector);
  const tickStyle = { fontSize: look.fontSize, fill: look.tickFill };
  const hasRight = def.series.some((s) => s.right);
  return (
    <div
      className="chart"
      data-testid={`chart-${def.id}`}
      data-points={rows.length}
      title="Click a point to open that step in the inspector"
    >
      <div className="chart-title">
        {def.title}
        <span className="chart-legend">
          {def.series.map((s) => (
            <span key={s.key}>
              <span
                className={`legend-line${s.dashed ? ' dashed' : ''}`}
                style={{ borderColor: s.color }}
              />
              {s.label}
              {s.right ? ' (right)' : ''}
            </span>
          ))}
        </span>
      </div>
      <ResponsiveContainer width="100%" height={look.height}>
        <ComposedChart
          data={rows}
          margin={{ top: 4, right: hasRight ? 0 : 8, bottom: 0, left: projector ? 0 : -12 }}
          onClick={(state) => {
            const step = Number(state?.activeLabel);
            if (Number.isFinite(step) && step > 0) selectStep(step);
          }}
        >
          <CartesianGrid stroke={look.grid} strokeDasharray="3 3" />
          <XAxis dataKey="step" tick={tickStyle} stroke="#374151" />
          <YAxis
            yAxisId="left"
            domain={def.domain ?? ['auto', 'auto']}
            tick={tickStyle}
            stroke="#374151"
            width={projector ? 64 : 48}
            tickFormatter={(v: number) => tick(v, def.percent)}
          />
          {hasRight && (
            <YAxis
              yAxisId="right"
              orientation="right"
              tick={tickStyle}
              stroke="#374151"
              width={projector ? 56 : 40}
              tickFormatter={(v: number) => tick(v)}
            />
          )}
          <Tooltip
            content={(p) => (
              <StepTooltip
                active={p.active}
                label={p.label as number | undefined}
                payload={p.payload as TipProps['payload']}
                def={def}
              />
            )}
            isAnimationActive={false}
          />
          {def.band && (
            <Area
              yAxisId="left"
              dataKey={def.band.key}
              name={def.band.label}
              stroke="none"
              fill={def.band.color}
              fillOpacity={0.15}
              isAnimationActive={false}
            />
          )}
          {def.series.map((s) => (
            <Line
              key={s.key}
              yAxisId={s.right ? 'right' : 'left'}
              dataKey={s.key}
              name={s.label}
              stroke={s.color}
              strokeWidth={look.strokeWidth}
              strokeDasharray={s.dashed ? '4 3' : undefined}
              dot={false}
              activeDot={{ r: 4, cursor: 'pointer' }}
              connectNulls
              isAnimationActive={false}
            />
          ))}
          {inspectStep !== null && (
            <ReferenceLine yAxisId="left" x={inspectStep} stroke="#fbbf24" strokeDasharray="2 2" />
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
});

/** The warm-up loss per SFT step. */
const SftChart = memo(function SftChart({ slot }: { slot: number }) {
  const sft = useStaggered(
    useLab((s) => s.sftHistory),
    slot * STAGGER_MS,
  );
  const rows = useMemo(() => {
    // At most ~400 points: every k-th step (the chart stays cheap on long warm-ups).
    const k = Math.max(1, Math.ceil(sft.length / 400));
    return sft.filter((_, i) => i % k === 0 || i === sft.length - 1);
  }, [sft]);
  const look = chartLook(useLab((s) => s.projector));
  const tickStyle = { fontSize: look.fontSize, fill: look.tickFill };
  if (sft.length === 0) return null;
  return (
    <div className="chart" data-testid="chart-sft" data-points={sft.length}>
      <div className="chart-title">Warm-up (SFT) loss</div>
      <ResponsiveContainer width="100%" height={look.height + 20}>
        <ComposedChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid stroke={look.grid} strokeDasharray="3 3" />
          <XAxis dataKey="step" tick={tickStyle} stroke="#374151" />
          <YAxis tick={tickStyle} stroke="#374151" width={48} />
          <Tooltip
            isAnimationActive={false}
            contentStyle={{ background: '#0b1220', border: '1px solid #374151', fontSize: 11 }}
          />
          <Line
            dataKey="loss"
            stroke="#fb923c"
            strokeWidth={look.strokeWidth}
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
});

/**
 * Which saved run the charts show while this page has trained nothing (after a reload), read
 * from the run store at once; the line above the charts names it.
 */
function SavedPreview() {
  const preview = useLab(previewRun);
  const loaded = useLab((s) => (preview ? s.storedMetrics[preview.id] : undefined));
  const id = preview?.id;
  useEffect(() => {
    if (id) void loadStoredMetrics([id]);
  }, [id]);
  if (!preview) return null;
  return (
    <p className="muted small" data-testid="charts-preview">
      Showing the saved run “{preview.name}” ({preview.status}, {loaded?.length ?? '…'} steps
      {preview.checkpoint ? `, checkpoint at step ${preview.checkpoint.step}` : ''}).
      {canResume(preview) ? ' Resume continues it.' : ''}
    </p>
  );
}

/** The live charts with their smoothing control. */
export function Charts() {
  const smoothing = useLab((s) => s.smoothing);
  return (
    <section className="panel charts-panel" aria-label="Training charts">
      <div className="row charts-head">
        <h2>Training</h2>
        <label className="smoothing">
          Smoothing (EMA){' '}
          <input
            data-testid="smoothing"
            type="range"
            min={0}
            max={0.95}
            step={0.05}
            value={smoothing}
            onChange={(e) => setSmoothing(Number(e.target.value))}
          />{' '}
          {smoothing.toFixed(2)}
        </label>
      </div>
      <SavedPreview />
      <div className="charts-grid">
        {CHARTS.map((d, i) => (
          <MetricChart key={d.id} def={d} slot={i} />
        ))}
        <SftChart slot={CHARTS.length} />
      </div>
    </section>
  );
}
