/**
 * The rest of `npm run bench` in miniature: the sweep on one consumer and one setting, and the micro
 * comparisons that fit in seconds (batching, keep-alive, the write APIs, the commit designs), each
 * run by the same runner with a tiny plan. The heavy ones (record concurrency, thumbnails, memory)
 * differ only in their images and run in the full suite. Also what --only and --skip select.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectPhases } from '../../bench/phases';
import { type BenchPlan, plans } from '../../bench/plan';
import { runBench } from '../../bench/runner';
import type { BenchResult } from '../../bench/types';

const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const { micro } = plans.quick;
const tiny: BenchPlan = {
  ...plans.quick,
  sweep: {
    batchSizes: [10],
    concurrencies: [2],
    messages: 6,
    includeDefaults: false,
    consumers: ['indexing'],
  },
  micro: {
    ...micro,
    batching: { messagesPerRun: 10, warmupMessages: 2, rounds: 1, imageWorkSamples: 2, oneWayDelaysMs: [0] },
    keepAlive: { invocationsPerBlock: 3, warmupInvocations: 1, rounds: 1, countHandshakes: true },
    writes: { items: 80, concurrency: 4 },
    commits: { images: 4, entries: 12, rounds: 2, concurrency: 2 },
  },
};
let result: BenchResult;

beforeAll(async () => {
  const phases = selectPhases({ only: ['sweep', 'batching', 'keep-alive', 'write-apis', 'commit-designs'] });
  result = await runBench({ projectDir, plan: tiny, phases, maxConcurrency: 2 });
}, 120_000);

describe('the sweep and the micro comparisons in miniature', () => {
  it('runs each phase to the end', () => {
    expect(result.phases.map((phase) => phase.name)).toEqual([
      'sweep',
      'batching',
      'keep-alive',
      'write-apis',
      'commit-designs',
    ]);
    expect(result.goals.filter((goal) => !goal.met)).toEqual([]);
  });

  it('sweeps the one setting of the one consumer, every message done', () => {
    expect(result.sweep?.points).toEqual([
      expect.objectContaining({
        consumer: 'indexing',
        batchSize: 10,
        maxConcurrency: 2,
        messages: 6,
        isDefault: false,
      }),
    ]);
    expect(result.sweep?.points[0]?.messagesPerSecond).toBeGreaterThan(0);
  });

  it('reports every comparison as two positive figures and their ratio', () => {
    expect(result.comparisons.map((c) => c.name)).toEqual([
      'batching: indexing',
      'batching: metadata',
      'keep-alive: indexing over HTTP',
      'keep-alive: indexing over HTTPS',
      'keep-alive: indexing over HTTPS, vs SDK default agent',
      'writes: BatchWriteItem (25) vs PutItem',
      'writes: TransactWriteItems (1, conditional) vs PutItem',
      'writes: TransactWriteItems (40, conditional) vs PutItem',
      'commit designs: entries keyed by sequencer vs one transaction',
    ]);
    for (const c of result.comparisons) {
      expect(c.baseline.value, c.name).toBeGreaterThan(0);
      expect(c.candidate.value, c.name).toBeGreaterThan(0);
      // Both figures and the ratio are kept to 3 significant figures: within 1.5% of one another.
      expect(Math.abs(c.ratio / (c.candidate.value / c.baseline.value) - 1), c.name).toBeLessThan(0.015);
    }
  });

  it('counts the requests a batching message costs, and the TLS handshakes each client mode makes', () => {
    const notes = result.comparisons.flatMap((c) => c.notes ?? []);
    // Batch 1 with a request per item: at least a receive, a delete and a GET per message.
    expect(notes.some((note) => /batch 1 \+ a request per item: .* per message \d/.test(note))).toBe(true);
    expect(notes.some((note) => note.startsWith('TLS connections per invocation'))).toBe(true);
    expect(notes.filter((note) => note.includes('suspect'))).toEqual([]);
  });
});

describe('phase selection', () => {
  const names = (options: Parameters<typeof selectPhases>[0]) =>
    selectPhases(options).map((phase) => phase.name);

  it('runs the whole suite by default, without the single load run or the remote one', () => {
    expect(names({})).toEqual([
      'raw',
      'max-rate',
      'half-load',
      'overload',
      'sweep',
      'batching',
      'record-concurrency',
      'keep-alive',
      'thumbnail-vs-sharp',
      'memory',
      'write-apis',
      'commit-designs',
    ]);
  });

  it('adds the run a phase scales from, expands groups, and leaves out what is skipped', () => {
    expect(names({ only: ['overload'] })).toEqual(['max-rate', 'overload']);
    expect(names({ only: ['pipeline'], skip: ['raw'] })).toEqual(['max-rate', 'half-load', 'overload']);
    expect(names({ skip: ['sweep', 'micro'] })).toEqual(['raw', 'max-rate', 'half-load', 'overload']);
  });

  it('names the phases it knows when given one it does not', () => {
    expect(() => selectPhases({ only: ['batchin'] })).toThrow(/No phase batchin; .*batching/);
  });
});
