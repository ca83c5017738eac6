/**
 * The benchmark in miniature: the phases `npm run bench` runs on the local pipeline (raw bound, max
 * rate, half load, overload), with six images, two invocations per consumer, through the same runner
 * and report writer. The figures must be there and make sense, and every image must be accounted for.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectPhases } from '../../bench/phases';
import { type BenchPlan, plans } from '../../bench/plan';
import { formatSummary } from '../../bench/report/summary';
import { writeResults } from '../../bench/report/write';
import { runBench } from '../../bench/runner';
import type { BenchResult, Distribution } from '../../bench/types';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const resultsDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
const cap = 2;
const miniature: BenchPlan = {
  ...plans.quick,
  count: 6,
  latencySeconds: 3,
  overloadSeconds: 2,
  warmupCount: 2,
};
let result: BenchResult;

const ordered = (d: Distribution) => d.p50 <= d.p95 && d.p95 <= d.p99 && d.p99 <= d.max;

beforeAll(async () => {
  result = await runBench({
    projectDir,
    plan: miniature,
    phases: selectPhases({ only: ['pipeline'] }),
    maxConcurrency: cap,
  });
  writeResults(result, resultsDir);
}, 150_000);

afterAll(() => rmSync(resultsDir, { recursive: true, force: true }));

describe('npm run bench in miniature', () => {
  it('runs every pipeline phase, in order, without a failure', () => {
    expect(result.phases.map((phase) => phase.name)).toEqual(['raw', 'max-rate', 'half-load', 'overload']);
    expect(result.notes.filter((note) => note.includes('failed'))).toEqual([]);
  });

  it('measures the raw bound and the pipeline on the same six images', () => {
    expect(result.raw?.images).toBe(6);
    expect(result.raw?.endToEnd).toBeGreaterThan(0);
    expect(result.runs.map((run) => run.name)).toEqual(['max-rate', 'half-load', 'overload']);
    const max = result.runs[0];
    expect(max?.uploads.count).toBe(6);
    const efficiency = result.comparisons.find((c) => c.name === 'pipeline efficiency');
    expect(efficiency?.ratio).toBeCloseTo((max?.throughput.endToEnd ?? 0) / (result.raw?.endToEnd ?? 1), 2);
  });

  it('reports throughput and ordered latency percentiles per run and per consumer', () => {
    for (const run of result.runs) {
      expect(run.throughput.endToEnd, run.name).toBeGreaterThan(0);
      expect(run.throughput.overall, run.name).toBeGreaterThan(0);
      expect(Object.keys(run.throughput.perConsumer).sort()).toEqual([
        'indexing',
        'metadata',
        'moderation',
        'thumbnail',
      ]);
      expect(ordered(run.latency.allDone), `${run.name}: ${JSON.stringify(run.latency.allDone)}`).toBe(true);
      expect(run.latency.allDone.count).toBe(run.uploads.count);
      for (const [consumer, latency] of Object.entries(run.latency.perConsumer)) {
        expect(ordered(latency), `${run.name} ${consumer}`).toBe(true);
        // All four done is when the last of the four is done.
        expect(latency.max).toBeLessThanOrEqual(run.latency.allDone.max);
      }
      expect(run.timeline.seconds).toBeGreaterThan(0);
      expect(run.timeline.completed.reduce((sum, n) => sum + n, 0)).toBe(run.uploads.count);
    }
  });

  it('keeps every consumer within its concurrency cap and accounts for every image', () => {
    for (const run of result.runs) {
      expect(Object.keys(run.concurrency ?? {}).sort()).toEqual([
        'indexing',
        'metadata',
        'moderation',
        'thumbnail',
      ]);
      for (const [consumer, c] of Object.entries(run.concurrency ?? {})) {
        expect(c.cap, consumer).toBe(cap);
        expect(c.maxInvocations, `${run.name} ${consumer}`).toBeLessThanOrEqual(cap);
        expect(c.maxMessagesInFlight).toBeLessThanOrEqual(cap * c.batchSize);
      }
      expect(run.unaccounted, run.name).toBe(0);
      expect(run.accounting?.['processed exactly once'], run.name).toBe(run.uploads.count);
      expect(run.memory?.peakRssMb).toBeGreaterThan(0);
    }
    expect(result.goals.find((goal) => goal.name === 'every image accounted for')?.met).toBe(true);
  });

  it('writes the result as JSON, the chart as SVG, and the summary tables', () => {
    const latest = JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')) as BenchResult;
    expect(latest.runs.length).toBe(3);
    expect(latest.imageSet.count).toBeGreaterThanOrEqual(20);
    const svg = readFileSync(join(resultsDir, 'latest.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('overload');
    const summary = formatSummary(result);
    for (const section of ['Throughput', 'Latency', 'Accounting', 'Comparisons', 'Goals'])
      expect(summary).toContain(section);
  });
});
