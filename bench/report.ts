/** The summary printed at the end of a run: plain-text tables, one section per question. */
import { type BackPressureSummary, formatBackPressure } from './api-load';
import type { BenchResult, Comparison, Distribution, RunResult } from './types';

const table = (
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly ('l' | 'r')[],
) => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((value, column) =>
        (align?.[column] ?? (column === 0 ? 'l' : 'r')) === 'l'
          ? value.padEnd(widths[column] ?? 0)
          : value.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)]
    .map((row) => `  ${row}`)
    .join('\n');
};

const fixed = (value: number | undefined, digits = 2) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

const rateLabel = (run: RunResult) =>
  run.rate === 'max'
    ? `${run.name} (max, ${run.uploads.count} images)`
    : `${run.name} (${run.rate}/s, ${run.uploads.count} images)`;

const latencyRow = (label: string, d: Distribution) => [
  label,
  fixed(d.p50),
  fixed(d.p95),
  fixed(d.p99),
  fixed(d.max),
  String(d.count),
];

const comparisonRows = (comparisons: readonly Comparison[]) =>
  comparisons.map((c) => [
    c.name,
    `${c.baseline.label}: ${c.baseline.value} ${c.baseline.unit}`,
    `${c.candidate.label}: ${c.candidate.value} ${c.candidate.unit}`,
    String(c.ratio),
    c.goal ?? '',
    c.met === undefined ? '' : c.met ? 'yes' : 'NO',
  ]);

export const formatSummary = (result: BenchResult): string => {
  const consumers = Object.keys(result.runs[0]?.throughput.perConsumer ?? result.raw?.perConsumer ?? {});
  const m = result.machine;
  const set = result.imageSet;
  const out: string[] = [
    `image-fanout benchmark (${result.mode}): ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, ${m.platform}${
      m.loadAverage
        ? `; load average ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end`
        : ''
    }`,
    `Image set: ${set.count} images, ${set.minMegapixels}-${set.maxMegapixels} MP (${set.totalMegapixels} MP in all), ${set.totalMegabytes} MB; ${Object.entries(
      set.formats,
    )
      .map(([format, n]) => `${format} ${n}`)
      .join(', ')}`,
  ];
  if (result.mappings) {
    out.push(
      `Mappings: ${Object.entries(result.mappings)
        .map(
          ([c, s]) =>
            `${c} batch ${s.batchSize} (window ${s.batchingWindowSeconds} s) x ${s.maxConcurrency}${
              s.maxConcurrency < s.templateMaxConcurrency ? ` (template ${s.templateMaxConcurrency})` : ''
            }`,
        )
        .join('; ')}`,
    );
  }

  out.push('', 'Throughput, images/s sustained');
  const throughputRows = [
    ...(result.raw
      ? [
          [
            `raw compute bound (${result.raw.images} images, no queues)`,
            fixed(result.raw.endToEnd),
            fixed(result.raw.endToEnd),
            ...consumers.map((c) => fixed(result.raw?.perConsumer[c])),
            fixed(result.raw.cpu.perImage, 3),
            fixed(result.raw.cpu.coresUsed),
          ],
        ]
      : []),
    ...result.runs.map((run) => [
      rateLabel(run),
      fixed(run.throughput.endToEnd),
      fixed(run.throughput.overall),
      ...consumers.map((c) => fixed(run.throughput.perConsumer[c])),
      fixed(run.cpu?.perImage, 3),
      fixed(run.cpu?.coresUsed),
    ]),
  ];
  out.push(table(['run', 'all four', 'overall', ...consumers, 'CPU s/image', 'cores busy'], throughputRows));
  out.push(
    '  all four and per consumer: at max, every image over first upload to last done; at a fixed rate, while',
    '  the load was applied (less its first tenth); overall: every image, first upload to last done',
  );
  out.push(
    `  CPU: this process, every thread; cores busy below ${result.machine.cpus} while saturated means something else had the rest`,
  );

  const throughApi = result.runs.filter((run) => run.backPressure !== undefined);
  if (throughApi.length > 0) {
    out.push('', 'Back-pressure (uploads through the API)');
    for (const run of throughApi)
      out.push(`  ${formatBackPressure(rateLabel(run), run.backPressure as BackPressureSummary)}`);
  }
  out.push('', 'Latency from upload (acknowledged) to done, seconds');
  out.push(
    table(
      ['run / stage', 'p50', 'p95', 'p99', 'max', 'images'],
      result.runs.flatMap((run) => [
        latencyRow(`${rateLabel(run)}: all four`, run.latency.allDone),
        ...consumers.map((c) => latencyRow(`    ${c}`, run.latency.perConsumer[c] as Distribution)),
      ]),
    ),
  );

  if (result.runs.some((run) => run.memory !== undefined)) {
    out.push('', 'Queues, concurrency, retries, memory');
    out.push(
      table(
        [
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
        ],
        result.runs.map((run) => [
          run.name,
          String(run.queueDepth?.peak ?? '-'),
          String(run.queueDepth?.atLoadEnd ?? '-'),
          Object.values(run.concurrency ?? {})
            .map((c) => `${c.maxInvocations}/${c.cap}`)
            .join(' '),
          String(Object.values(run.retried).reduce((sum, n) => sum + n, 0)),
          String(Object.values(run.coldStarts ?? {}).reduce((sum, n) => sum + n, 0)),
          String(run.memory?.peakRssMb ?? '-'),
          String(run.memory?.peakWorkingSetMb ?? '-'),
          String(run.memory?.endStoredMb ?? '-'),
          fixed(run.drainSeconds, 1),
        ]),
      ),
    );
    out.push(
      '  queue depth: messages not yet done (visible + received) over the four queues; invocations in',
      `  consumer order ${consumers.join(', ')}; runtime MB: RSS less the stored objects, which the`,
      '  emulated S3 keeps in memory as a bucket keeps them on disk',
    );
  }

  out.push('', 'Accounting');
  for (const run of result.runs) {
    const counts = run.accounting ?? {};
    const listed = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([verdict, n]) => `${verdict} ${n}`)
      .join(', ');
    out.push(`  ${run.name}: ${listed || 'not accounted'}; unaccounted ${run.unaccounted}`);
  }

  if (result.sweep) {
    out.push(
      '',
      `Sweep: one consumer at a time; messages a point: ${Object.entries(result.sweep.messagesPerPoint)
        .map(([consumer, messages]) => `${consumer} ${messages}`)
        .join(', ')}`,
    );
    out.push(
      table(
        ['consumer', 'batch', 'concurrency', 'msg/s', 'p95 batch s', 'peak RSS MB', ''],
        result.sweep.points.map((p) => [
          p.consumer,
          String(p.batchSize),
          String(p.maxConcurrency),
          fixed(p.messagesPerSecond),
          fixed(p.p95BatchSeconds),
          String(p.peakRssMb),
          [
            p.isDefault ? 'default' : '',
            result.sweep?.best[p.consumer]?.batchSize === p.batchSize &&
            result.sweep?.best[p.consumer]?.maxConcurrency === p.maxConcurrency
              ? 'fastest'
              : '',
          ]
            .filter(Boolean)
            .join(', '),
        ]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
    for (const [consumer, best] of Object.entries(result.sweep.best))
      out.push(`  ${consumer}: ${best.verdict}`);
  }

  if (result.comparisons.length > 0) {
    out.push('', 'Comparisons (ratio = candidate / baseline)');
    out.push(
      table(
        ['comparison', 'baseline', 'candidate', 'ratio', 'goal', 'met'],
        comparisonRows(result.comparisons),
        ['l', 'l', 'l', 'r', 'l', 'l'],
      ),
    );
    for (const c of result.comparisons) for (const note of c.notes ?? []) out.push(`    ${c.name}: ${note}`);
  }

  out.push('', 'Goals');
  for (const goal of result.goals) {
    out.push(`  [${goal.met ? 'met' : 'NOT MET'}] ${goal.name} ${goal.goal}: ${goal.value}`);
  }
  for (const note of result.notes) out.push(`  note: ${note}`);
  const minutes = Math.floor(result.durationSeconds / 60);
  out.push('', `Took ${minutes} min ${Math.round(result.durationSeconds - minutes * 60)} s.`);
  return out.join('\n');
};
