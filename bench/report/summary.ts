/** The summary printed at the end of a run: plain-text tables, one section per question. */
import { sum } from '../stats';
import type { BenchResult, Distribution, RunResult } from '../types';

type Align = 'l' | 'r';

/** A plain-text table; the first column left-aligned, the rest right-aligned unless told. */
export const table = (
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
) => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((value, column) => {
        const left = (align[column] ?? (column === 0 ? 'l' : 'r')) === 'l';
        return left ? value.padEnd(widths[column] ?? 0) : value.padStart(widths[column] ?? 0);
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].map(
    (row) => `  ${row}`,
  );
};

const fixed = (value: number | undefined, digits = 2) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

const runLabel = (run: RunResult) =>
  `${run.name} (${run.rate === 'max' ? 'max' : `${run.rate}/s`}, ${run.uploads.count} images)`;

const header = (result: BenchResult) => {
  const { machine: m, imageSet: set } = result;
  const load = m.loadAverage
    ? `; load average ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end`
    : '';
  const formats = Object.entries(set.formats).map(([format, n]) => `${format} ${n}`);
  const mappings = Object.entries(result.mappings ?? {}).map(
    ([c, s]) =>
      `${c} batch ${s.batchSize} (window ${s.batchingWindowSeconds} s) x ${s.maxConcurrency}${s.maxConcurrency < s.templateMaxConcurrency ? ` (template ${s.templateMaxConcurrency})` : ''}`,
  );
  return [
    `image-fanout benchmark (${result.mode}): ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, ${m.platform}${load}`,
    `Image set: ${set.count} images, ${set.minMegapixels}-${set.maxMegapixels} MP (${set.totalMegapixels} MP in all), ${set.totalMegabytes} MB; ${formats.join(', ')}`,
    ...(mappings.length > 0 && (result.runs.length > 0 || result.sweep)
      ? [`Mappings: ${mappings.join('; ')}`]
      : []),
    `Phases: ${result.phases.map((phase) => `${phase.name} ${phase.seconds} s`).join(', ')}`,
  ];
};

const throughput = (result: BenchResult, consumers: readonly string[]) => {
  if (result.runs.length === 0 && result.raw === undefined) return [];
  const { raw } = result;
  const sources = [
    ...(raw
      ? [{ label: `raw compute bound (${raw.images} images, no queues)`, ...raw, overall: raw.endToEnd }]
      : []),
    ...result.runs.map((run) => ({ label: runLabel(run), ...run.throughput, cpu: run.cpu })),
  ];
  const rows = sources.map(({ label, endToEnd, overall, perConsumer, cpu }) => [
    label,
    fixed(endToEnd),
    fixed(overall),
    ...consumers.map((c) => fixed(perConsumer[c])),
    fixed(cpu?.perImage, 3),
    fixed(cpu?.coresUsed),
  ]);
  return [
    '',
    'Throughput, images/s sustained',
    ...table(['run', 'all four', 'overall', ...consumers, 'CPU s/image', 'cores busy'], rows),
    '  all four and per consumer: at max, every image over first upload to last done; at a fixed rate, while',
    '  the load was applied (less its first tenth); overall: every image, first upload to last done',
    `  CPU: this process, every thread; cores busy below ${result.machine.cpus} while saturated means something else had the rest`,
  ];
};

const backPressure = (result: BenchResult) => {
  const lines = result.runs.flatMap((run) => {
    const b = run.backPressure;
    return b
      ? [
          `  ${runLabel(run)}: through the API, ${b.accepted} of ${b.attempted} uploads accepted, ${b.refused} refused (${(b.refusedShare * 100).toFixed(1)}%); deepest queue ${b.peakQueueDepth} (limit: what drains in ${b.drainSeconds} s, at most ${b.maxBacklog})`,
        ]
      : [];
  });
  return lines.length === 0 ? [] : ['', 'Back-pressure (uploads through the API)', ...lines];
};

const latency = (result: BenchResult, consumers: readonly string[]) => {
  if (result.runs.length === 0) return [];
  const row = (label: string, d: Distribution | undefined) => {
    const percentiles = [d?.p50, d?.p95, d?.p99, d?.max].map((value) => fixed(value));
    return [label, ...percentiles, String(d?.count ?? 0)];
  };
  const rows = result.runs.flatMap((run) => [
    row(`${runLabel(run)}: all four`, run.latency.allDone),
    ...consumers.map((c) => row(`    ${c}`, run.latency.perConsumer[c])),
  ]);
  return [
    '',
    'Latency from upload (acknowledged) to done, seconds',
    ...table(['run / stage', 'p50', 'p95', 'p99', 'max', 'images'], rows),
  ];
};

const queues = (result: BenchResult, consumers: readonly string[]) => {
  const local = result.runs.filter((run) => run.memory !== undefined);
  if (local.length === 0) return [];
  const rows = local.map((run) => [
    run.name,
    String(run.queueDepth?.peak ?? '-'),
    String(run.queueDepth?.atLoadEnd ?? '-'),
    Object.values(run.concurrency ?? {})
      .map((c) => `${c.maxInvocations}/${c.cap}`)
      .join(' '),
    String(sum(Object.values(run.retried))),
    String(sum(Object.values(run.coldStarts ?? {}))),
    String(run.memory?.peakRssMb ?? '-'),
    String(run.memory?.peakWorkingSetMb ?? '-'),
    String(run.memory?.endStoredMb ?? '-'),
    fixed(run.drainSeconds, 1),
  ]);
  const titles = [
    'run',
    'queue depth peak',
    'at load end',
    'invocations max/cap',
    'retried',
    'cold starts',
    'peak RSS MB',
    'runtime MB',
    'stored MB',
    'drain s',
  ];
  return [
    '',
    'Queues, concurrency, retries, memory',
    ...table(titles, rows),
    '  queue depth: messages not yet done (visible + received) over the four queues; invocations in',
    `  consumer order ${consumers.join(', ')}; runtime MB: RSS less the stored objects, which the`,
    '  emulated S3 keeps in memory as a bucket keeps them on disk',
    '',
    'Accounting',
    ...result.runs.map((run) => {
      const listed = Object.entries(run.accounting ?? {})
        .filter(([, n]) => n > 0)
        .map(([verdict, n]) => `${verdict} ${n}`);
      return `  ${run.name}: ${listed.join(', ') || 'not accounted'}; unaccounted ${run.unaccounted}`;
    }),
  ];
};

const sweep = ({ sweep: s }: BenchResult) => {
  if (s === undefined) return [];
  const perPoint = Object.entries(s.messagesPerPoint).map(
    ([consumer, messages]) => `${consumer} ${messages}`,
  );
  const rows = s.points.map((p) => {
    const best = s.best[p.consumer];
    const marks = [
      p.isDefault ? 'default' : '',
      best?.batchSize === p.batchSize && best.maxConcurrency === p.maxConcurrency ? 'fastest' : '',
    ];
    const figures = [fixed(p.messagesPerSecond), fixed(p.p95BatchSeconds), String(p.peakRssMb)];
    return [
      p.consumer,
      String(p.batchSize),
      String(p.maxConcurrency),
      ...figures,
      marks.filter(Boolean).join(', '),
    ];
  });
  const align: Align[] = ['l', 'r', 'r', 'r', 'r', 'r', 'l'];
  return [
    '',
    `Sweep: one consumer at a time; messages a point: ${perPoint.join(', ')}`,
    ...table(['consumer', 'batch', 'concurrency', 'msg/s', 'p95 batch s', 'peak RSS MB', ''], rows, align),
    ...Object.entries(s.best).map(([consumer, best]) => `  ${consumer}: ${best.verdict}`),
  ];
};

const comparisons = (result: BenchResult) => {
  if (result.comparisons.length === 0) return [];
  const rows = result.comparisons.map((c) => [
    c.name,
    `${c.baseline.label}: ${c.baseline.value} ${c.baseline.unit}`,
    `${c.candidate.label}: ${c.candidate.value} ${c.candidate.unit}`,
    String(c.ratio),
    c.goal ?? '',
    c.met === undefined ? '' : c.met ? 'yes' : 'NO',
  ]);
  return [
    '',
    'Comparisons (ratio = candidate / baseline)',
    ...table(['comparison', 'baseline', 'candidate', 'ratio', 'goal', 'met'], rows, [
      'l',
      'l',
      'l',
      'r',
      'l',
      'l',
    ]),
    ...result.comparisons.flatMap((c) => (c.notes ?? []).map((note) => `    ${c.name}: ${note}`)),
  ];
};

const memory = ({ memory: rows = [] }: BenchResult) => {
  if (rows.length === 0) return [];
  const titles = [
    'consumer',
    'image',
    'records',
    'at once',
    'loaded MB',
    'peak MB',
    'memory MB',
    'headroom',
    'recommended MB',
  ];
  const cells = rows.map((row) => [
    row.consumer,
    row.image,
    `${row.processed}/${row.batchSize}`,
    String(row.recordConcurrency),
    String(Math.round(row.loadedRssMb)),
    String(Math.round(row.peakRssMb)),
    String(row.memorySizeMb),
    `${Math.round(row.headroom * 100)}%`,
    String(row.recommendedMb),
  ]);
  return [
    '',
    "Memory on images at the pixel limit (peak RSS of the consumer's own process)",
    ...table(titles, cells, ['l', 'l']),
  ];
};

export const formatSummary = (result: BenchResult): string => {
  const consumers = Object.keys(result.runs[0]?.throughput.perConsumer ?? result.raw?.perConsumer ?? {});
  const minutes = Math.floor(result.durationSeconds / 60);
  return [
    ...header(result),
    ...throughput(result, consumers),
    ...backPressure(result),
    ...latency(result, consumers),
    ...queues(result, consumers),
    ...sweep(result),
    ...comparisons(result),
    ...memory(result),
    '',
    'Goals',
    ...result.goals.map(
      (goal) => `  [${goal.met ? 'met' : 'NOT MET'}] ${goal.name} ${goal.goal}: ${goal.value}`,
    ),
    ...result.notes.map((note) => `  note: ${note}`),
    '',
    `Took ${minutes} min ${Math.round(result.durationSeconds - minutes * 60)} s.`,
  ].join('\n');
};
