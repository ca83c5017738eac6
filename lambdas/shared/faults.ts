import { setTimeout as sleep } from 'node:timers/promises';
import type { Stage, StageContext } from './batch';
import { TransientError } from './errors';
import type { StageRecord } from './store';

/**
 * Faults to inject, each a probability per record attempt (or per request, for throttling). Off
 * unless configured: `npm start -- --faults transient=0.05,slow=0.01` or the IMAGE_FANOUT_FAULTS
 * variable, never by editing code. Used by the soak and crash tests. Only the local stage's bundles
 * hold the function side of it (lambdas/shared/consumer.ts); deployed ones are built without.
 */
export interface FaultSettings {
  /** A record fails with a retryable error before any work. */
  readonly transient: number;
  /** A record sleeps past the function's deadline (the batch runtime leaves it for a retry). */
  readonly slow: number;
  /** A record blocks the event loop past the function timeout: the whole invocation times out. */
  readonly hang: number;
  /** The backend answers a DynamoDB or S3 request with a throttling error (local runtime). */
  readonly throttle: number;
  /** An S3 event is delivered twice, or a processed message's delete is lost (local runtime). */
  readonly duplicate: number;
}

export const faultKinds = ['transient', 'slow', 'hang', 'throttle', 'duplicate'] as const;

export const noFaults: FaultSettings = { transient: 0, slow: 0, hang: 0, throttle: 0, duplicate: 0 };

/** The variable the local runtime sets for the functions it runs. */
export const faultsVariable = 'IMAGE_FANOUT_FAULTS';

const rate = (name: string, value: unknown): number => {
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw new Error(`Fault rate ${name} must be a number from 0 to 1, not ${JSON.stringify(value)}`);
  }
  return number;
};

/** "transient=0.05,slow=0.01" (the CLI form) or '{"transient":0.05}' (the variable's form). */
export const parseFaults = (text: string | undefined): FaultSettings => {
  if (text === undefined || text.trim() === '') return noFaults;
  const entries: [string, unknown][] = text.trim().startsWith('{')
    ? Object.entries(JSON.parse(text) as Record<string, unknown>)
    : text.split(',').map((pair) => {
        const [name = '', value] = pair.split('=');
        return [name.trim(), value?.trim()];
      });
  const settings: Record<string, number> = { ...noFaults };
  for (const [name, value] of entries) {
    if (!(faultKinds as readonly string[]).includes(name)) {
      throw new Error(`Unknown fault "${name}"; known: ${faultKinds.join(', ')}`);
    }
    settings[name] = rate(name, value);
  }
  return settings as unknown as FaultSettings;
};

export const anyFaults = (faults: FaultSettings) => faultKinds.some((kind) => faults[kind] > 0);

/** Puts faults in front of a stage's work; `remainingTimeMs` is the invocation's. */
export type FaultInjector = <Data extends object>(
  stage: Stage<Data>,
  remainingTimeMs: () => number,
) => Stage<Data>;

/** The injector for the faults the variable names, or none when it names none. */
export const faultInjectorFromEnv = (env: NodeJS.ProcessEnv): FaultInjector | undefined => {
  const faults = parseFaults(env[faultsVariable]);
  return anyFaults(faults)
    ? (stage, remainingTimeMs) => withFaults(stage, faults, remainingTimeMs)
    : undefined;
};

/**
 * The stage with faults injected before its work. `remainingTimeMs` is the invocation's, so a slow
 * record outlives the deadline and a hang outlives the timeout whatever the function's settings.
 */
export const withFaults = <Data extends object>(
  stage: Stage<Data>,
  faults: FaultSettings,
  remainingTimeMs: () => number,
  random: () => number = Math.random,
): Stage<Data> => {
  const inject = async () => {
    if (random() < faults.transient) throw new TransientError('Injected fault: transient error');
    if (random() < faults.slow) await sleep(remainingTimeMs() + 1_000, undefined, { ref: false });
    if (random() < faults.hang) {
      const until = Date.now() + remainingTimeMs() + 1_000;
      while (Date.now() < until) {
        // Busy on purpose: nothing else in this environment runs until the host ends it.
      }
    }
  };
  return {
    consumer: stage.consumer,
    async created(context: StageContext) {
      await inject();
      return stage.created(context);
    },
    ...(stage.sweep === undefined
      ? {}
      : {
          async sweep(committed: StageRecord<Data>, signal: AbortSignal) {
            if (random() < faults.transient) throw new TransientError('Injected fault: transient error');
            return stage.sweep?.(committed, signal);
          },
        }),
  };
};
