/**
 * The runs over time as one hand-written SVG: a row per run, four panels a row (images/s uploaded and
 * done, p95 latency of the images done each second, queue depth and invocations in flight, memory).
 */
import type { RunResult, Timeline } from '../types';

/** A line: its legend, colour and one value a second (null: nothing to show that second). */
type Series = readonly [label: string, color: string, values: readonly (number | null)[]];

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly Series[];
}

const [panelWidth, panelHeight] = [290, 150];
const margin = { left: 44, right: 10, top: 24, bottom: 28 };
const rowHeight = panelHeight + margin.top + margin.bottom + 26;
const columnWidth = panelWidth + margin.left + margin.right;
const style =
  '.title{font-size:11px;font-weight:bold}.heading{font-size:12px;font-weight:bold}.axis{font-size:9px;fill:#555}' +
  '.legend{font-size:9px}.frame{fill:none;stroke:#bbb}.grid{stroke:#eee}';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 1, 2 or 5 times a power of ten: tick steps people read at a glance. */
const niceMax = (value: number) => {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((m) => m * power >= value) ?? 10) * power;
};

/** Gaps (null) break the line: a second with nothing done has no latency. */
const lines = ([, color, values]: Series, px: (s: number) => number, py: (v: number) => number) => {
  const segments: string[][] = [[]];
  values.forEach((value, second) => {
    if (value === null) segments.push([]);
    else segments.at(-1)?.push(`${px(second).toFixed(1)},${py(value).toFixed(1)}`);
  });
  return segments
    .filter((points) => points.length > 0)
    .map((points) => {
      const [cx, cy] = points[0]?.split(',') ?? [];
      return points.length === 1
        ? `<circle cx="${cx}" cy="${cy}" r="1.5" fill="${color}"/>`
        : `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="1.4"/>`;
    });
};

const axes = (left: number, top: number, yMax: number, seconds: number, unit: string) => {
  const bottom = top + panelHeight;
  const px = (second: number) => left + (second / Math.max(1, seconds - 1)) * panelWidth;
  return [
    `<rect x="${left}" y="${top}" width="${panelWidth}" height="${panelHeight}" class="frame"/>`,
    ...[0, 0.5, 1].flatMap((fraction) => {
      const y = bottom - fraction * panelHeight;
      const label = Number((yMax * fraction).toPrecision(3));
      return [
        `<line x1="${left}" x2="${left + panelWidth}" y1="${y}" y2="${y}" class="grid"/>`,
        `<text x="${left - 4}" y="${y + 4}" class="axis" text-anchor="end">${label}</text>`,
      ];
    }),
    ...[0, 0.25, 0.5, 0.75, 1].map((fraction) => {
      const second = Math.round((seconds - 1) * fraction);
      return `<text x="${px(second)}" y="${bottom + 14}" class="axis" text-anchor="middle">${second}</text>`;
    }),
    `<text x="${left + panelWidth}" y="${bottom + 26}" class="axis" text-anchor="end">s  (${escapeXml(unit)})</text>`,
  ];
};

const panel = (x: number, y: number, { title, unit, series }: Panel, seconds: number) => {
  const [left, top] = [x + margin.left, y + margin.top];
  const yMax = niceMax(
    Math.max(0, ...series.flatMap(([, , values]) => values.filter((v): v is number => v !== null))),
  );
  const px = (second: number) => left + (second / Math.max(1, seconds - 1)) * panelWidth;
  const py = (value: number) => top + panelHeight - (value / yMax) * panelHeight;
  let legendX = left + 6;
  const legends = series.map(([label, color]) => {
    const entry = `<rect x="${legendX}" y="${top + 5}" width="10" height="3" fill="${color}"/><text x="${legendX + 14}" y="${top + 10}" class="legend">${escapeXml(label)}</text>`;
    // About 5 px a character at 9 px: the next entry starts after this one's text.
    legendX += 14 + label.length * 5 + 12;
    return entry;
  });
  const heading = `<text x="${left}" y="${y + 14}" class="title">${escapeXml(title)}</text>`;
  return [
    heading,
    ...axes(left, top, yMax, seconds, unit),
    ...series.flatMap((s) => lines(s, px, py)),
    ...legends,
  ];
};

/**
 * At max rate every upload goes in within seconds: a per-second upload count far above the done
 * line would flatten it, so uploads are clipped at three times the busiest second of done images.
 */
const clipped = (values: readonly number[], reference: readonly number[]) => {
  const limit = Math.max(3 * Math.max(...reference, 1), 5);
  const note = Math.max(...values, 0) > limit ? ` (clipped at ${limit})` : '';
  return { values: values.map((value) => Math.min(value, limit)), note };
};

const panelsOf = (t: Timeline): Panel[] => {
  const uploads = clipped(t.uploads, t.completed);
  return [
    {
      title: 'images per second',
      unit: 'images/s',
      series: [
        [`uploaded${uploads.note}`, '#9aa5b1', uploads.values],
        ['all four done', '#1f77b4', t.completed],
      ],
    },
    {
      title: 'p95 latency, upload to all done',
      unit: 's',
      series: [['p95 of that second', '#d62728', t.p95LatencySeconds]],
    },
    {
      title: 'queue depth, 4 queues',
      unit: 'messages, invocations',
      series: [
        ['not yet done', '#ff7f0e', t.queued],
        ['visible', '#e8c07a', t.backlog],
        ['invocations', '#2ca02c', t.invocationsInFlight],
      ],
    },
    {
      title: 'memory',
      unit: 'MB',
      series: [
        ['RSS', '#7f7f7f', t.rssMb],
        ['RSS less stored', '#9467bd', t.workingSetMb],
      ],
    },
  ];
};

const runRow = (run: RunResult, y: number) => {
  const rate = run.rate === 'max' ? 'max rate' : `${run.rate} uploads/s`;
  const heading = `${run.name}: ${rate}, ${run.uploads.count} images; ${run.throughput.endToEnd} images/s done, p99 ${run.latency.allDone.p99} s`;
  const panels = panelsOf(run.timeline).flatMap((p, column) =>
    panel(column * columnWidth, y + 16, p, run.timeline.seconds),
  );
  return [`<text x="8" y="${y + 12}" class="heading">${escapeXml(heading)}</text>`, ...panels];
};

export const renderChart = (runs: readonly RunResult[], title: string): string => {
  const [width, height] = [columnWidth * 4 + 10, 30 + runs.length * rowHeight];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<style>${style}</style>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...runs.flatMap((run, index) => runRow(run, 30 + index * rowHeight)),
    '</svg>',
    '',
  ].join('\n');
};
