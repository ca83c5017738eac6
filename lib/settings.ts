import type { Node } from 'constructs';
import { type ModerationProviderName, moderationProviders } from '../lambdas/moderation/types';
import {
  type ConsumerName,
  consumerNames,
  defaultThumbnailWidths,
  localStage,
} from '../lambdas/shared/constants';
import { defaultImageLimits, type ImageLimits } from '../lambdas/shared/image/limits';
import {
  type ApiAuthSettings,
  type ApiSettings,
  apiAuthFromContext,
  apiSettingsFromContext,
} from './api-settings';
import { type ConsumerSettings, consumerDefaults } from './consumers';
import { ContextError, numericOverrides, parseContextValue } from './context';

export const architectures = ['arm64', 'x86_64'] as const;
export type ArchitectureName = (typeof architectures)[number];

/** Everything a deployment can choose, read from CDK context (`-c key=value` or cdk.json). */
export interface PipelineSettings {
  /** Names the stack (`ImageFanout-<stage>`) so that two stages live side by side. */
  readonly stage: string;
  /** Bundles the consumers with their fault injector: the local stage only, never a deployed one. */
  readonly faultInjection: boolean;
  readonly moderationProvider: ModerationProviderName;
  readonly architecture: ArchitectureName;
  /** Keep buckets and table when the stack is deleted (production), or delete them (a test stage). */
  readonly retainData: boolean;
  readonly alarmEmail?: string;
  readonly limits: ImageLimits;
  readonly thumbnailWidths: readonly number[];
  readonly consumers: Readonly<Record<ConsumerName, ConsumerSettings>>;
  /** The front door: presigned URLs, back-pressure limits, throttling. */
  readonly api: ApiSettings;
  /** Who may call the API, and from which browser origins. */
  readonly apiAuth: ApiAuthSettings;
}

export const settingsContextKeys = [
  'stage',
  'moderationProvider',
  'architecture',
  'retainData',
  'alarmEmail',
  'maxImageBytes',
  'maxImagePixels',
  'thumbnailWidths',
  'consumers',
  'api',
  'jwtIssuer',
  'jwtAudience',
  'corsOrigins',
] as const;

const oneOf = <T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T): T => {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ContextError(key, value, `one of ${allowed.join(', ')}`);
};

const positiveInt = (key: string, value: unknown, fallback: number): number => {
  const parsed = parseContextValue(value);
  if (parsed === undefined) return fallback;
  if (typeof parsed === 'number' && Number.isInteger(parsed) && parsed > 0) return parsed;
  throw new ContextError(key, value, 'a positive integer');
};

/** What `-c consumers=...` may set: every field of the typed table, and the visibility timeout. */
const overridableConsumerSettings = [...Object.keys(consumerDefaults.thumbnail), 'visibilityTimeoutSeconds'];

const consumerOverrides = (value: unknown): Partial<Record<ConsumerName, Partial<ConsumerSettings>>> => {
  const parsed = parseContextValue(value);
  if (parsed === undefined) return {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ContextError('consumers', value, 'a JSON object such as {"thumbnail":{"batchSize":5}}');
  }
  for (const [name, override] of Object.entries(parsed)) {
    if (!(consumerNames as readonly string[]).includes(name)) {
      throw new ContextError('consumers', value, `consumer names among ${consumerNames.join(', ')}`);
    }
    numericOverrides('consumers', override, overridableConsumerSettings, '{"thumbnail":{"batchSize":5}}');
  }
  return parsed as Partial<Record<ConsumerName, Partial<ConsumerSettings>>>;
};

const thumbnailWidthsFrom = (value: unknown): readonly number[] => {
  const widths = parseContextValue(value);
  if (widths === undefined) return defaultThumbnailWidths;
  return String(widths)
    .split(',')
    .map((width) => positiveInt('thumbnailWidths', width.trim(), 0));
};

const consumersFrom = (value: unknown): Record<ConsumerName, ConsumerSettings> => {
  const overrides = consumerOverrides(value);
  return Object.fromEntries(
    consumerNames.map((name) => {
      const settings = { ...consumerDefaults[name], ...overrides[name] };
      validateConsumerSettings(name, settings);
      return [name, settings];
    }),
  ) as Record<ConsumerName, ConsumerSettings>;
};

/**
 * An explicit visibility timeout (test stacks bring retries back in seconds) must still outlast an
 * invocation and its batching window: Lambda refuses a trigger whose queue hides a message for less
 * than the function timeout, and runs one shorter than timeout + window as timeout + window + 30 s
 * ("Creating and configuring an Amazon SQS event source mapping").
 */
const validateVisibilityTimeout = (s: ConsumerSettings, fail: (message: string) => void) => {
  if (s.visibilityTimeoutSeconds === undefined) return;
  const least = s.timeoutSeconds + s.maxBatchingWindowSeconds;
  if (s.visibilityTimeoutSeconds < least || s.visibilityTimeoutSeconds > 43_200) {
    fail(
      `visibilityTimeoutSeconds ${s.visibilityTimeoutSeconds} must be ${least}-43200 (timeoutSeconds + maxBatchingWindowSeconds at least)`,
    );
  }
};

/**
 * The rules AWS enforces (or advises) on an SQS trigger, checked at synth time with a message that
 * says what to change, instead of a failed deployment.
 */
export const validateConsumerSettings = (name: ConsumerName, s: ConsumerSettings): void => {
  const fail = (message: string) => {
    throw new Error(`Consumer "${name}": ${message}`);
  };
  if (s.batchSize < 1 || s.batchSize > 10_000) fail(`batchSize ${s.batchSize} must be 1-10000`);
  if (s.batchSize > 10 && s.maxBatchingWindowSeconds < 1) {
    fail(
      `batchSize ${s.batchSize} > 10 needs maxBatchingWindowSeconds >= 1 (got ${s.maxBatchingWindowSeconds})`,
    );
  }
  if (s.maxBatchingWindowSeconds < 0 || s.maxBatchingWindowSeconds > 300) {
    fail(`maxBatchingWindowSeconds ${s.maxBatchingWindowSeconds} must be 0-300`);
  }
  if (s.maxConcurrency < 2 || s.maxConcurrency > 1000)
    fail(`maxConcurrency ${s.maxConcurrency} must be 2-1000`);
  if (s.recordConcurrency < 1) fail(`recordConcurrency ${s.recordConcurrency} must be >= 1`);
  if (s.memorySize < 128 || s.memorySize > 10_240) fail(`memorySize ${s.memorySize} must be 128-10240 MB`);
  if (s.timeoutSeconds < 1 || s.timeoutSeconds > 900)
    fail(`timeoutSeconds ${s.timeoutSeconds} must be 1-900`);
  if (s.maxReceiveCount < 1 || s.maxReceiveCount > 1000)
    fail(`maxReceiveCount ${s.maxReceiveCount} must be 1-1000`);
  if (s.retentionDays < 1 || s.retentionDays > 14) fail(`retentionDays ${s.retentionDays} must be 1-14`);
  if (s.dlqRetentionDays <= s.retentionDays || s.dlqRetentionDays > 14) {
    // A DLQ keeps the original enqueue time: a shorter retention would expire messages on arrival.
    fail(
      `dlqRetentionDays ${s.dlqRetentionDays} must be longer than retentionDays ${s.retentionDays} and <= 14`,
    );
  }
  validateVisibilityTimeout(s, fail);
};

const stageFrom = (value: unknown): string => {
  const stage = value ?? 'dev';
  if (typeof stage !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,24}$/.test(stage)) {
    throw new ContextError('stage', stage, 'a letter then up to 24 letters, digits or dashes');
  }
  return stage;
};

const retainDataFrom = (value: unknown): boolean => {
  const retainData = parseContextValue(value);
  if (retainData !== undefined && typeof retainData !== 'boolean') {
    throw new ContextError('retainData', retainData, 'true or false');
  }
  return retainData ?? true;
};

const alarmEmailFrom = (value: unknown): string | undefined => {
  if (value !== undefined && (typeof value !== 'string' || !value.includes('@'))) {
    throw new ContextError('alarmEmail', value, 'an e-mail address');
  }
  return value;
};

export const settingsFromContext = (node: Pick<Node, 'tryGetContext'>): PipelineSettings => {
  const get = (key: (typeof settingsContextKeys)[number]) => node.tryGetContext(key) as unknown;
  const stage = stageFrom(get('stage'));
  return {
    stage,
    faultInjection: stage === localStage,
    moderationProvider: oneOf(
      'moderationProvider',
      get('moderationProvider'),
      moderationProviders,
      'offline',
    ),
    architecture: oneOf('architecture', get('architecture'), architectures, 'arm64'),
    retainData: retainDataFrom(get('retainData')),
    alarmEmail: alarmEmailFrom(get('alarmEmail')),
    limits: {
      maxBytes: positiveInt('maxImageBytes', get('maxImageBytes'), defaultImageLimits.maxBytes),
      maxPixels: positiveInt('maxImagePixels', get('maxImagePixels'), defaultImageLimits.maxPixels),
    },
    thumbnailWidths: thumbnailWidthsFrom(get('thumbnailWidths')),
    consumers: consumersFrom(get('consumers')),
    api: apiSettingsFromContext(get('api')),
    apiAuth: apiAuthFromContext((key) => get(key as (typeof settingsContextKeys)[number])),
  };
};
