import { useState, type ReactNode } from 'react';

/**
 * A list of fixed-height rows that renders only the rows in view (plus a few), so 100 000
 * entries cost as much as 30: the scroll height comes from one spacer.
 */
export function VirtualList({
  count,
  rowHeight,
  height,
  row,
  testId,
}: {
  count: number;
  rowHeight: number;
  height: number;
  row: (index: number) => ReactNode;
  testId?: string;
}) {
  const [top, setTop] = useState(0);
  const overscan = 6;
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((top + height) / rowHeight) + overscan);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++)
    rows.push(
      <div
        key={i}
        style={{ position: 'absolute', top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}
      >
        {row(i)}
      </div>,
    );
  return (
    <div
      className="virtual-list"
      data-testid={testId}
      data-count={count}
      style={{ height, overflowY: 'auto', position: 'relative' }}
      onScroll={(e) => setTop(e.currentTarget.scrollTop)}
    >
      <div style={{ height: count * rowHeight, position: 'relative' }}>{rows}</div>
    </div>
  );
}
