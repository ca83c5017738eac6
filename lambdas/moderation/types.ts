import { consumerEnv } from '../shared/constants';
import type { ImageFormat } from '../shared/image';

export const moderationProviders = ['offline', 'rekognition'] as const;
export type ModerationProviderName = (typeof moderationProviders)[number];

export const verdicts = { allowed: 'allowed', review: 'review', flagged: 'flagged' } as const;
export type Verdict = (typeof verdicts)[keyof typeof verdicts];

export interface ModerationLabel {
  readonly name: string;
  /** 0..1, whatever scale the provider uses. */
  readonly confidence: number;
  readonly parent?: string;
  /** Whether this label counts against the image (a "Neutral" class does not). */
  readonly unsafe: boolean;
}

/** The same shape whichever provider produced it. */
export interface ModerationResult {
  readonly verdict: Verdict;
  readonly labels: readonly ModerationLabel[];
  readonly provider: ModerationProviderName;
  readonly model: string;
}

export interface ImageInput {
  readonly body: Buffer;
  readonly format: ImageFormat;
}

export interface ModerationProvider {
  readonly name: ModerationProviderName;
  moderate(image: ImageInput): Promise<ModerationResult>;
}

export interface ModerationThresholds {
  /** An unsafe label at or above this confidence flags the image. */
  readonly flag: number;
  /** An unsafe label at or above this confidence (below `flag`) asks for human review. */
  readonly review: number;
}

export const defaultThresholds: ModerationThresholds = { flag: 0.8, review: 0.5 };

export const verdictOf = (labels: readonly ModerationLabel[], thresholds: ModerationThresholds): Verdict => {
  const worst = Math.max(0, ...labels.filter((label) => label.unsafe).map((label) => label.confidence));
  if (worst >= thresholds.flag) return verdicts.flagged;
  if (worst >= thresholds.review) return verdicts.review;
  return verdicts.allowed;
};

export const moderationProviderFromEnv = (env: NodeJS.ProcessEnv = process.env): ModerationProviderName => {
  const value = env[consumerEnv.moderationProvider] ?? 'offline';
  if (!(moderationProviders as readonly string[]).includes(value)) {
    throw new Error(
      `${consumerEnv.moderationProvider} must be one of ${moderationProviders.join(', ')}, got "${value}"`,
    );
  }
  return value as ModerationProviderName;
};
