/** What a full run, a quick run and the defaults of one load run measure; every figure says why. */

export interface SweepPlan {
  readonly batchSizes: readonly number[];
  readonly concurrencies: readonly number[];
  /** Messages measured per point. */
  readonly messages: number;
  /** Per consumer, where `messages` would be too few batches to measure. */
  readonly messagesFor?: Readonly<Record<string, number>>;
  /** Also measure each consumer's own setting from the template. */
  readonly includeDefaults: boolean;
}

export interface BenchPlan {
  /** Images in the raw and max-rate runs. */
  readonly count: number;
  readonly latencySeconds: number;
  readonly overloadSeconds: number;
  readonly warmupCount: number;
  readonly sweep: SweepPlan;
}

export const benchPlans: Readonly<Record<'full' | 'quick', BenchPlan>> = {
  full: {
    /** Images in the raw and max-rate runs: 8 passes of the set, about 40 s of work here. */
    count: 192,
    /** The 50% run: long enough for a p99 over about a hundred images. */
    latencySeconds: 40,
    /** The overload run: long enough for the backlog to grow by several hundred messages. */
    overloadSeconds: 40,
    /**
     * Two passes of the set, uploaded at max before the measured runs: the event sources start the
     * environments a saturated run needs, and the moderation model loads in each.
     */
    warmupCount: 48,
    sweep: {
      batchSizes: [1, 10],
      concurrencies: [1, 2, 4],
      /** Two passes of the set per point: every setting sees the same mix. */
      messages: 48,
      /**
       * The fast consumers go through 48 messages in about a second: two batches of 25, one wave of
       * invocations, which measures the wave's ragged end more than the setting. 200 messages are
       * several waves at every point (about 6 s each).
       */
      messagesFor: { metadata: 200, indexing: 200 },
      includeDefaults: true,
    },
  },
  quick: {
    count: 24,
    latencySeconds: 10,
    overloadSeconds: 10,
    warmupCount: 24,
    sweep: { batchSizes: [1, 10], concurrencies: [2], messages: 12, includeDefaults: false },
  },
};

/** The latency run is at half the measured maximum; the overload run at twice it. */
export const latencyLoadShare = 0.5;
export const overloadFactor = 2;

/** Under overload, at least this share of the messages sent must still be waiting when the load stops. */
export const overloadBacklogShare = 0.1;

/** A saturated run that keeps fewer than this share of the cores busy was sharing the machine. */
export const contendedShare = 0.8;

/** Goals from the issue. */
export const goals = {
  efficiency: 0.85,
  p99LatencySeconds: 5,
  /** Overload may not raise the runtime's own memory (RSS less stored objects) by more than this over a steady run. */
  overloadWorkingSetRatio: 1.25,
} as const;

/** A single load run (`--rate`) without `--count` or `--duration` uploads this many. */
export const defaultSingleRunCount = 100;

/** The sweep starts its environments with images of at most this size: cheap work, same cold start. */
export const warmupMaxMegapixels = 0.5;
