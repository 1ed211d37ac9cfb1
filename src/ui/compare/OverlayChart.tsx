/** One metric of the compare view, one line per selected run. */
import { memo, useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { tick } from '../Charts';
import {
  hasMetric,
  overlayRows,
  runColor,
  type CompareChartDef,
  type RunForCompare,
} from '../compareData';
import { pct } from './format';

/** One metric, one line per selected run that reports it. */
export const OverlayChart = memo(function OverlayChart({
  def,
  runs,
  smoothing,
}: {
  def: CompareChartDef;
  runs: RunForCompare[];
  smoothing: number;
}) {
  const rows = useMemo(() => overlayRows(def.metric, runs, smoothing), [def, runs, smoothing]);
  const drawn = runs
    .map((r, i) => ({ r, color: runColor(i) }))
    .filter(({ r }) => hasMetric(r, def.metric));
  return (
    <div className="chart" data-testid={`compare-chart-${def.id}`} data-series={drawn.length}>
      <div className="chart-title">{def.title}</div>
      <ResponsiveContainer width="100%" height={150}>
        <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid stroke="#1f2937" strokeDasharray="3 3" />
          <XAxis dataKey="step" tick={{ fontSize: 10, fill: '#9ca3af' }} stroke="#374151" />
          <YAxis
            domain={def.domain ?? ['auto', 'auto']}
            tick={{ fontSize: 10, fill: '#9ca3af' }}
            stroke="#374151"
            width={48}
            tickFormatter={(v: number) => tick(v, def.percent)}
          />
          <Tooltip
            isAnimationActive={false}
            contentStyle={{ background: '#0b1220', border: '1px solid #374151', fontSize: 11 }}
            formatter={(v) =>
              typeof v === 'number' ? (def.percent ? pct(v) : v.toFixed(3)) : String(v)
            }
          />
          {drawn.map(({ r, color }) => (
            <Line
              key={r.id}
              dataKey={r.id}
              name={r.name}
              stroke={color}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
});
