import type { ConsumerName } from '../shared/constants';
import type { QueueDepth } from '../shared/queue-depth';
import type { BackPressureSettings } from './config';

export type { QueueDepth } from '../shared/queue-depth';

export type DepthReader = (queueUrl: string) => Promise<QueueDepth>;

/** One busy interval between two readings: how many messages left the queue, in how long. */
interface DrainSample {
  readonly departed: number;
  readonly seconds: number;
}

interface QueueState {
  /** Everything the consumer has not finished: waiting, in flight and delayed. */
  depth: number;
  /** Messages were waiting at this reading: the consumer had more work than it was taking. */
  saturated: boolean;
  readAt: number;
  /** Uploads this container accepted since the reading: each adds one message to every queue. */
  acceptedSinceRead: number;
  samples: DrainSample[];
}

/** Where one queue stands, as the 429 answer shows it. */
export interface QueueVerdict {
  readonly consumer: ConsumerName;
  /** The last reading, plus uploads accepted since, less what the measured rate drained since. */
  readonly backlog: number;
  readonly limit: number;
  /** Messages a second, from successive readings; undefined until the queue was seen busy. */
  readonly drainRatePerSecond?: number;
}

export type BacklogVerdict =
  | { readonly accept: true }
  | { readonly accept: false; readonly retryAfterSeconds: number; readonly queues: readonly QueueVerdict[] };

/** Busy intervals the drain rate is averaged over: 6 readings, half a minute at the default 5 s. */
const drainSampleCount = 6;
/** Fewer departures than this over those intervals is no evidence of a drain rate (a stalled consumer). */
const minDepartures = 3;

/**
 * The back-pressure gauge of one API container. It reads the consumer queues' depth at most once per
 * `readIntervalMs` (never per request) and measures each queue's drain rate from successive
 * readings: departures = previous depth + uploads accepted here since - current depth, summed over
 * the last intervals in which messages were waiting (visible) at both readings, so the consumer was
 * taking all it could: the rate measures what it can do, not what it was given. Divided by the
 * intervals' length. Summing before clamping
 * lets an upload that was accepted before a reading but queued after it cancel out. Arrivals from
 * elsewhere (other containers, direct uploads) make departures look smaller: the rate errs low.
 *
 * A queue's limit is what it drains in `drainSeconds` at that rate, at most `maxBacklog`; while
 * fewer than a few departures were seen (the first readings, or a consumer that is not draining at
 * all) the limit is `maxBacklog` and Retry-After is `drainSeconds`. An upload is refused while any
 * queue's projected backlog is at its limit; Retry-After is the time the measured rate needs to
 * bring it one below.
 */
export class BacklogGauge {
  private readonly states = new Map<ConsumerName, QueueState>();
  private reading?: Promise<void>;

  constructor(
    private readonly settings: BackPressureSettings,
    private readonly readDepth: DepthReader,
    private readonly now: () => number = Date.now,
    private readonly onReadError: (error: unknown) => void = () => undefined,
  ) {}

  /** Decides for one upload, reading the queues first if the last reading is older than the interval. */
  async check(): Promise<BacklogVerdict> {
    await this.refresh();
    const queues = [...this.states.entries()].map(([consumer, state]) => this.verdictOf(consumer, state));
    const over = queues.filter((queue) => queue.backlog >= queue.limit);
    if (over.length === 0) return { accept: true };
    const retryAfterSeconds = Math.max(...over.map((queue) => this.secondsToFit(queue)));
    return { accept: false, retryAfterSeconds, queues };
  }

  /** Counts an accepted upload against every queue until the next reading shows its messages. */
  accepted(): void {
    for (const state of this.states.values()) state.acceptedSinceRead += 1;
  }

  private async refresh(): Promise<void> {
    const stale = [...Object.keys(this.settings.queues)].some((consumer) => {
      const state = this.states.get(consumer as ConsumerName);
      return state === undefined || this.now() - state.readAt >= this.settings.readIntervalMs;
    });
    if (!stale) return;
    this.reading ??= this.readAll().finally(() => {
      this.reading = undefined;
    });
    await this.reading;
  }

  private async readAll(): Promise<void> {
    const entries = Object.entries(this.settings.queues) as [ConsumerName, string][];
    await Promise.all(
      entries.map(async ([consumer, url]) => {
        try {
          const { visible, notVisible, delayed } = await this.readDepth(url);
          this.record(consumer, visible + notVisible + delayed, visible > 0, this.now());
        } catch (error) {
          // Better to take uploads on the last reading than to refuse all of them for a metrics call.
          this.onReadError(error);
        }
      }),
    );
  }

  private record(consumer: ConsumerName, depth: number, saturated: boolean, at: number): void {
    const previous = this.states.get(consumer);
    if (previous === undefined) {
      this.states.set(consumer, { depth, saturated, readAt: at, acceptedSinceRead: 0, samples: [] });
      return;
    }
    const seconds = (at - previous.readAt) / 1000;
    if (previous.saturated && saturated && seconds > 0) {
      const departed = previous.depth + previous.acceptedSinceRead - depth;
      previous.samples = [...previous.samples, { departed, seconds }].slice(-drainSampleCount);
    }
    previous.depth = depth;
    previous.saturated = saturated;
    previous.readAt = at;
    previous.acceptedSinceRead = 0;
  }

  private verdictOf(consumer: ConsumerName, state: QueueState): QueueVerdict {
    const { maxBacklog, drainSeconds } = this.settings;
    const seconds = state.samples.reduce((sum, sample) => sum + sample.seconds, 0);
    const departed = state.samples.reduce((sum, sample) => sum + sample.departed, 0);
    const rate = seconds > 0 && departed >= minDepartures ? departed / seconds : undefined;
    const sinceRead = (this.now() - state.readAt) / 1000;
    const drained = rate === undefined ? 0 : Math.min(state.depth, rate * sinceRead);
    return {
      consumer,
      backlog: Math.max(0, Math.round(state.depth + state.acceptedSinceRead - drained)),
      limit: rate === undefined ? maxBacklog : Math.min(maxBacklog, Math.floor(rate * drainSeconds)),
      ...(rate === undefined ? {} : { drainRatePerSecond: Math.round(rate * 1000) / 1000 }),
    };
  }

  /** Seconds until the backlog is one below its limit at the measured rate; the drain time if none is measured. */
  private secondsToFit(queue: QueueVerdict): number {
    const rate = queue.drainRatePerSecond;
    if (rate === undefined || rate <= 0) return this.settings.drainSeconds;
    return Math.max(1, Math.ceil((queue.backlog - queue.limit + 1) / rate));
  }
}
