import { recommendMemorySize } from './memory/run';
import type { Comparison, ConsumerMemory, Measurement } from './types';

const cell = ({ label, value, unit }: Measurement) => `${label}: ${value} ${unit}`;

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string[] => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((value, column) => value.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
};

/** A plain-text table, one row per comparison, its notes indented under it. */
export const formatComparisons = (comparisons: readonly Comparison[]): string => {
  const header = ['comparison', 'baseline', 'candidate', 'ratio', 'goal', 'met'];
  const rows = comparisons.map((c) => [
    c.name,
    cell(c.baseline),
    cell(c.candidate),
    String(c.ratio),
    c.goal ?? '',
    c.met === undefined ? '' : c.met ? 'yes' : 'NO',
  ]);
  const [title, rule, ...lines] = table(header, rows);
  const out = [title ?? '', rule ?? ''];
  comparisons.forEach((comparison, index) => {
    out.push(lines[index] ?? '');
    for (const note of comparison.notes ?? []) out.push(`    - ${note}`);
  });
  return out.join('\n');
};

export const formatMemory = (rows: readonly ConsumerMemory[]): string =>
  table(
    [
      'consumer',
      'image',
      'records',
      'at once',
      'loaded MB',
      'peak MB',
      'memory MB',
      'headroom',
      'recommended MB',
    ],
    rows.map((row) => [
      row.consumer,
      row.image,
      `${row.processed}/${row.batchSize}`,
      String(row.recordConcurrency),
      String(Math.round(row.loadedRssMb)),
      String(Math.round(row.peakRssMb)),
      String(row.memorySizeMb),
      `${Math.round(row.headroom * 100)}%`,
      String(recommendMemorySize(row.peakRssMb)),
    ]),
  ).join('\n');
