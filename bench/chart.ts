/**
 * The runs over time as one hand-written SVG: a row per run, four panels a row (images/s uploaded and
 * done, p95 latency of the images done each second, queue depth and invocations in flight, memory).
 */
import type { RunResult, Timeline } from './types';

interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
}

const panelWidth = 290;
const panelHeight = 150;
const margin = { left: 44, right: 10, top: 24, bottom: 28 };
const rowHeight = panelHeight + margin.top + margin.bottom + 26;
const columnWidth = panelWidth + margin.left + margin.right;
const colors = {
  uploads: '#9aa5b1',
  done: '#1f77b4',
  latency: '#d62728',
  backlog: '#ff7f0e',
  visible: '#e8c07a',
  busy: '#2ca02c',
  rss: '#7f7f7f',
  working: '#9467bd',
};

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 1, 2 or 5 times a power of ten: tick steps people read at a glance. */
const niceMax = (value: number) => {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
};

const panel = (
  x: number,
  y: number,
  title: string,
  unit: string,
  series: readonly Series[],
  seconds: number,
) => {
  const top = Math.max(...series.flatMap((s) => s.values.filter((v): v is number => v !== null)), 0);
  const yMax = niceMax(top);
  const px = (second: number) => x + margin.left + (second / Math.max(1, seconds - 1)) * panelWidth;
  const py = (value: number) => y + margin.top + panelHeight - (value / yMax) * panelHeight;
  const parts: string[] = [
    `<text x="${x + margin.left}" y="${y + 14}" class="title">${escapeXml(title)}</text>`,
    `<rect x="${x + margin.left}" y="${y + margin.top}" width="${panelWidth}" height="${panelHeight}" class="frame"/>`,
  ];
  for (const fraction of [0, 0.5, 1]) {
    const value = yMax * fraction;
    const ty = py(value);
    parts.push(
      `<line x1="${x + margin.left}" x2="${x + margin.left + panelWidth}" y1="${ty}" y2="${ty}" class="grid"/>`,
      `<text x="${x + margin.left - 4}" y="${ty + 4}" class="axis" text-anchor="end">${Number(value.toPrecision(3))}</text>`,
    );
  }
  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const second = Math.round((seconds - 1) * fraction);
    parts.push(
      `<text x="${px(second)}" y="${y + margin.top + panelHeight + 14}" class="axis" text-anchor="middle">${second}</text>`,
    );
  }
  parts.push(
    `<text x="${x + margin.left + panelWidth}" y="${y + margin.top + panelHeight + 26}" class="axis" text-anchor="end">s  (${escapeXml(unit)})</text>`,
  );
  let legendX = x + margin.left + 6;
  for (const s of series) {
    // Gaps (null) break the line: a second with nothing done has no latency.
    const segments: string[][] = [[]];
    s.values.forEach((value, second) => {
      if (value === null) segments.push([]);
      else segments.at(-1)?.push(`${px(second).toFixed(1)},${py(value).toFixed(1)}`);
    });
    for (const points of segments.filter((points) => points.length > 0)) {
      parts.push(
        points.length === 1
          ? `<circle cx="${points[0]?.split(',')[0]}" cy="${points[0]?.split(',')[1]}" r="1.5" fill="${s.color}"/>`
          : `<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="1.4"/>`,
      );
    }
    parts.push(
      `<rect x="${legendX}" y="${y + margin.top + 5}" width="10" height="3" fill="${s.color}"/>`,
      `<text x="${legendX + 14}" y="${y + margin.top + 10}" class="legend">${escapeXml(s.label)}</text>`,
    );
    // About 5 px a character at 9 px: the next entry starts after this one's text.
    legendX += 14 + s.label.length * 5 + 12;
  }
  return parts.join('\n');
};

/**
 * At max rate every upload goes in within seconds: a per-second upload count far above the done
 * line would flatten it, so uploads are clipped at three times the busiest second of done images.
 */
const clipped = (values: readonly number[], reference: readonly number[]) => {
  const limit = Math.max(3 * Math.max(...reference, 1), 5);
  const top = Math.max(...values, 0);
  return {
    values: values.map((value) => Math.min(value, limit)),
    note: top > limit ? ` (clipped at ${limit})` : '',
  };
};

const runRow = (run: RunResult, y: number) => {
  const t: Timeline = run.timeline;
  const uploads = clipped(t.uploads, t.completed);
  const rate = run.rate === 'max' ? 'max rate' : `${run.rate} uploads/s`;
  const heading = `${run.name}: ${rate}, ${run.uploads.count} images; ${run.throughput.endToEnd} images/s done, p99 ${run.latency.allDone.p99} s`;
  return [
    `<text x="8" y="${y + 12}" class="heading">${escapeXml(heading)}</text>`,
    panel(
      0,
      y + 16,
      'images per second',
      'images/s',
      [
        { label: `uploaded${uploads.note}`, color: colors.uploads, values: uploads.values },
        { label: 'all four done', color: colors.done, values: t.completed },
      ],
      t.seconds,
    ),
    panel(
      columnWidth,
      y + 16,
      'p95 latency, upload to all done',
      's',
      [{ label: 'p95 of that second', color: colors.latency, values: t.p95LatencySeconds }],
      t.seconds,
    ),
    panel(
      columnWidth * 2,
      y + 16,
      'queue depth, 4 queues',
      'messages, invocations',
      [
        { label: 'not yet done', color: colors.backlog, values: t.queued },
        { label: 'visible', color: colors.visible, values: t.backlog },
        { label: 'invocations', color: colors.busy, values: t.invocationsInFlight },
      ],
      t.seconds,
    ),
    panel(
      columnWidth * 3,
      y + 16,
      'memory',
      'MB',
      [
        { label: 'RSS', color: colors.rss, values: t.rssMb },
        { label: 'RSS less stored', color: colors.working, values: t.workingSetMb },
      ],
      t.seconds,
    ),
  ].join('\n');
};

export const renderChart = (runs: readonly RunResult[], title: string): string => {
  const width = columnWidth * 4 + 10;
  const height = 30 + runs.length * rowHeight;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    '<style>.title{font-size:11px;font-weight:bold}.heading{font-size:12px;font-weight:bold}.axis{font-size:9px;fill:#555}.legend{font-size:9px}.frame{fill:none;stroke:#bbb}.grid{stroke:#eee}</style>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...runs.map((run, index) => runRow(run, 30 + index * rowHeight)),
    '</svg>',
    '',
  ].join('\n');
};
