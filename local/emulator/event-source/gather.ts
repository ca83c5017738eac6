/**
 * How Lambda gathers one batch from an SQS queue ("Using Lambda with Amazon SQS", batching
 * behaviour): long polls until a message arrives, then keeps polling until the batch is full, the
 * batching window (kept to the millisecond) has passed, or the next record would take the
 * invocation payload over Lambda's 6 MB limit. Messages no filter matches are deleted as soon as
 * they are received, whatever else the batch holds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '@aws-sdk/client-sqs';
import type { QueuePort } from './queue';
import { type HeldMessage, payloadBytes } from './records';
import { type PollSettings, sqsLimits } from './settings';

export interface GatherOptions {
  readonly queue: QueuePort;
  readonly settings: PollSettings;
  readonly hold: (message: Message) => HeldMessage;
  readonly accepts: (held: HeldMessage) => boolean;
  readonly isRunning: () => boolean;
  /** Cuts a wait short when the poller stops. */
  readonly signal: AbortSignal;
  /** Told how many messages no filter matched, once they are deleted. */
  readonly onFilteredOut: (count: number) => void;
}

export interface GatheredBatch {
  readonly messages: readonly HeldMessage[];
  /** The batch stopped at its size or payload limit: more messages are likely waiting. */
  readonly full: boolean;
}

interface Collecting {
  readonly messages: HeldMessage[];
  bytes: number;
  /** When the batching window closes; set by the first message. */
  deadline?: number;
  full: boolean;
  /** The last receive took less than it asked for: the queue has nothing more waiting for now. */
  drained: boolean;
}

type Step =
  | { readonly kind: 'receive'; readonly waitSeconds: number; readonly closing: boolean }
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'done' };

export class BatchGatherer {
  /** Received for the last batch but past its payload limit: the first records of the next one. */
  private carried: HeldMessage[] = [];

  constructor(private readonly options: GatherOptions) {}

  async gather(): Promise<GatheredBatch> {
    const { queue, settings, isRunning, signal } = this.options;
    const state: Collecting = { messages: [], bytes: payloadBytes([]), full: false, drained: false };
    this.take(state, this.carried.splice(0));
    while (isRunning() && !state.full) {
      const step = this.nextStep(state);
      if (step.kind === 'done') break;
      if (step.kind === 'sleep') {
        await sleep(step.ms, undefined, { signal });
        continue;
      }
      const room = Math.min(sqsLimits.receiveLimit, settings.batchSize - state.messages.length);
      const received = await queue.receive(room, step.waitSeconds);
      await this.admit(state, received);
      state.drained = received.length < room;
      // Once the window has closed, only what is already waiting is taken.
      if (step.closing && received.length < room) break;
    }
    return { messages: state.messages, full: state.full };
  }

  private nextStep(state: Collecting): Step {
    if (state.messages.length === 0)
      return { kind: 'receive', waitSeconds: sqsLimits.longPollSeconds, closing: false };
    if (this.options.settings.windowMs === 0 || state.deadline === undefined) return { kind: 'done' };
    const remainingMs = state.deadline - Date.now();
    if (remainingMs >= 1000) {
      const waitSeconds = Math.min(sqsLimits.longPollSeconds, Math.floor(remainingMs / 1000));
      return { kind: 'receive', waitSeconds, closing: false };
    }
    // Long polls wait whole seconds. In the window's last fraction, while receives come back full,
    // short polls take what is waiting at once; once the queue is drained, a timer waits out the
    // window and a last short poll takes what arrived meanwhile.
    if (remainingMs > 0)
      return state.drained
        ? { kind: 'sleep', ms: remainingMs }
        : { kind: 'receive', waitSeconds: 0, closing: false };
    return { kind: 'receive', waitSeconds: 0, closing: true };
  }

  /** Deletes at once what no filter matches; keeps the rest for the batch, up to its limits. */
  private async admit(state: Collecting, received: readonly Message[]): Promise<void> {
    const held = received.map(this.options.hold);
    const accepted = held.filter(this.options.accepts);
    const rejected = held.filter((message) => !accepted.includes(message));
    if (rejected.length > 0) {
      await this.options.queue.delete(rejected.map(({ message }) => message));
      this.options.onFilteredOut(rejected.length);
    }
    this.take(state, accepted);
  }

  private take(state: Collecting, candidates: readonly HeldMessage[]): void {
    const { batchSize, payloadLimitBytes, windowMs } = this.options.settings;
    for (const [index, candidate] of candidates.entries()) {
      const grown = state.bytes + candidate.bytes + (state.messages.length > 0 ? 1 : 0);
      if (state.messages.length >= batchSize || grown > payloadLimitBytes) {
        this.carried.push(...candidates.slice(index));
        state.full = true;
        return;
      }
      state.messages.push(candidate);
      state.bytes = grown;
    }
    if (state.messages.length >= batchSize) state.full = true;
    if (state.messages.length > 0 && state.deadline === undefined) state.deadline = Date.now() + windowMs;
  }
}
