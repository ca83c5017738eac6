import type { S3Client } from '@aws-sdk/client-s3';
import type { Stage } from '../shared/batch';
import { type ImageLimits, inspectImage, loadImage } from '../shared/image';
import type { ModerationProvider, ModerationResult } from './types';

export type ModerationData = ModerationResult;

export interface ModerationStageOptions {
  readonly s3: S3Client;
  readonly provider: ModerationProvider;
  readonly limits: ImageLimits;
}

/** The verdict lives on the stage record itself: removing it is the tombstone the runtime writes. */
export const createModerationStage = ({
  s3,
  provider,
  limits,
}: ModerationStageOptions): Stage<ModerationData> => ({
  consumer: 'moderation',
  async created({ event, signal }) {
    const image = await loadImage(s3, event, limits, signal);
    await inspectImage(image.body, limits);
    signal.throwIfAborted();
    return { data: await provider.moderate({ body: image.body, format: image.format }) };
  },
});
