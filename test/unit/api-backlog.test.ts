import { describe, expect, it } from 'vitest';
import { BacklogGauge, type QueueDepth } from '../../lambdas/api/backlog';
import type { BackPressureSettings } from '../../lambdas/api/config';

/** A queue whose depth the test sets, and a clock it moves: the gauge's whole world. */
const world = (settings: Partial<BackPressureSettings> = {}) => {
  let now = 0;
  let reads = 0;
  const depth: QueueDepth = { visible: 0, notVisible: 0, delayed: 0 };
  const gauge = new BacklogGauge(
    { queues: { thumbnail: 'q' }, maxBacklog: 100, drainSeconds: 10, readIntervalMs: 1_000, ...settings },
    async () => {
      reads++;
      return { ...depth };
    },
    () => now,
  );
  return {
    gauge,
    set(visible: number, notVisible = 0) {
      Object.assign(depth, { visible, notVisible });
    },
    advance(ms: number) {
      now += ms;
    },
    reads: () => reads,
  };
};

describe('the back-pressure gauge', () => {
  it('reads the queues at most once per interval, however many uploads ask', async () => {
    const w = world();
    for (let i = 0; i < 50; i++) await w.gauge.check();
    expect(w.reads()).toBe(1);
    w.advance(999);
    await w.gauge.check();
    expect(w.reads()).toBe(1);
    w.advance(1);
    await w.gauge.check();
    expect(w.reads()).toBe(2);
  });

  it('refuses at maxBacklog while no drain is measured, and says to come back after the drain time', async () => {
    const w = world();
    w.set(99);
    expect(await w.gauge.check()).toEqual({ accept: true });
    w.gauge.accepted();
    // The upload just accepted counts before the next reading shows its message.
    expect(await w.gauge.check()).toEqual({
      accept: false,
      retryAfterSeconds: 10,
      queues: [{ consumer: 'thumbnail', backlog: 100, limit: 100 }],
    });
  });

  it('measures the drain rate while messages wait, and takes what drains in the drain time', async () => {
    const w = world({ maxBacklog: 1_000 });
    w.set(90, 10);
    await w.gauge.check();
    // Two seconds later 20 fewer, with messages waiting throughout: 10 a second, a limit of 100.
    w.advance(2_000);
    w.set(70, 10);
    expect(await w.gauge.check()).toEqual({ accept: true });
    for (let i = 0; i < 20; i++) w.gauge.accepted();
    expect(await w.gauge.check()).toEqual({
      accept: false,
      retryAfterSeconds: 1,
      queues: [{ consumer: 'thumbnail', backlog: 100, limit: 100, drainRatePerSecond: 10 }],
    });
  });

  it('refuses once the backlog is past what drains in the drain time, with Retry-After = excess / rate', async () => {
    const w = world({ maxBacklog: 1_000, drainSeconds: 5 });
    w.set(200, 10);
    await w.gauge.check();
    w.advance(4_000);
    w.set(170, 10);
    // 30 in 4 s: 7.5/s, so the limit is 37 (7.5 x 5) and 180 - 37 + 1 = 144 must drain: 19.2 s.
    expect(await w.gauge.check()).toEqual({
      accept: false,
      retryAfterSeconds: 20,
      queues: [{ consumer: 'thumbnail', backlog: 180, limit: 37, drainRatePerSecond: 7.5 }],
    });
    // Between readings the backlog is projected down at the measured rate.
    w.advance(900);
    const later = await w.gauge.check();
    expect(later.accept === false && later.queues[0]?.backlog).toBe(Math.round(180 - 7.5 * 0.9));
  });

  it('does not mistake a light load for the consumers’ capacity: no waiting messages, no rate', async () => {
    const w = world({ maxBacklog: 1_000, drainSeconds: 5 });
    w.set(0, 5);
    await w.gauge.check();
    w.advance(4_000);
    w.set(0, 2);
    await w.gauge.check();
    w.set(0, 40);
    w.advance(1_000);
    // 40 in flight is under the maxBacklog, and nothing measured a rate from the light load.
    expect(await w.gauge.check()).toEqual({ accept: true });
  });

  it('counts uploads accepted between readings as arrivals, so they do not hide the drain', async () => {
    const w = world({ maxBacklog: 1_000, drainSeconds: 100 });
    w.set(50, 10);
    await w.gauge.check();
    for (let i = 0; i < 20; i++) w.gauge.accepted();
    w.advance(2_000);
    // 20 arrived and 20 left: the depth is unchanged, and the drain is 10 a second, not 0.
    w.set(50, 10);
    expect(await w.gauge.check()).toEqual({ accept: true });
    for (let i = 0; i < 1_000; i++) w.gauge.accepted();
    w.advance(1_000);
    w.set(1_040, 10);
    expect(await w.gauge.check()).toEqual({
      accept: false,
      retryAfterSeconds: 6,
      queues: [{ consumer: 'thumbnail', backlog: 1_050, limit: 1_000, drainRatePerSecond: 10 }],
    });
  });

  it('decides on the last reading when a reading fails, rather than refusing everything', async () => {
    let fail = false;
    const errors: unknown[] = [];
    const gauge = new BacklogGauge(
      { queues: { thumbnail: 'q' }, maxBacklog: 10, drainSeconds: 10, readIntervalMs: 0 },
      async () => {
        if (fail) throw new Error('throttled');
        return { visible: 3, notVisible: 0, delayed: 0 };
      },
      () => 0,
      (error) => errors.push(error),
    );
    expect(await gauge.check()).toEqual({ accept: true });
    fail = true;
    expect(await gauge.check()).toEqual({ accept: true });
    expect(errors).toHaveLength(1);
  });
});
