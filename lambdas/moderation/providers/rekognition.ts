import {
  DetectModerationLabelsCommand,
  type RekognitionClient,
  type ModerationLabel as RekognitionLabel,
} from '@aws-sdk/client-rekognition';
import sharp from 'sharp';
import { PermanentError, type RejectionCode, rejectionCodes } from '../../shared/errors';
import { asImageError, decodeOptions } from '../../shared/image/decode';
import { defaultImageLimits, type ImageLimits } from '../../shared/image/limits';
import type { ImageFormat } from '../../shared/image/sniff';
import {
  defaultThresholds,
  type ImageInput,
  type ModerationLabel,
  type ModerationProvider,
  type ModerationThresholds,
  verdictOf,
} from '../types';

/** Image.Bytes limit of DetectModerationLabels; it also takes only JPEG and PNG. */
export const rekognitionMaxBytes = 5 * 1024 * 1024;
const acceptedFormats: ReadonlySet<ImageFormat> = new Set(['jpeg', 'png']);
/** Long edge of a converted image: plenty for moderation, and even noise stays under 3 MB as JPEG q85. */
const maxEdge = 2048;

export interface RekognitionProviderOptions {
  readonly thresholds?: ModerationThresholds;
  /** 0..1 like every confidence here; defaults to `thresholds.review`, since weaker labels cannot change the verdict. */
  readonly minConfidence?: number;
  readonly limits?: ImageLimits;
}

/** Rekognition's answers that retrying the same bytes cannot change; throttling and the rest stay retryable. */
const permanentRejections: ReadonlyMap<string, RejectionCode> = new Map([
  ['InvalidImageFormatException', rejectionCodes.unsupportedFormat],
  ['ImageTooLargeException', rejectionCodes.tooManyBytes],
  ['InvalidParameterException', rejectionCodes.corrupt],
]);

const asRekognitionError = (error: unknown): unknown => {
  if (!(error instanceof Error)) return error;
  const code = permanentRejections.get(error.name);
  if (code === undefined) return error;
  return new PermanentError(code, `Rekognition rejected the image (${error.name}): ${error.message}`, {
    cause: error,
  });
};

/** JPEG or PNG within the byte limit as uploaded; anything else becomes an upright, bounded JPEG. */
const toRekognitionBytes = async (image: ImageInput, limits: ImageLimits): Promise<Uint8Array> => {
  if (acceptedFormats.has(image.format) && image.body.length <= rekognitionMaxBytes) return image.body;
  let jpeg: Buffer;
  try {
    jpeg = await sharp(image.body, { ...decodeOptions(limits), pages: 1 })
      .autoOrient()
      .resize(maxEdge, maxEdge, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85 })
      .toBuffer();
  } catch (error) {
    throw asImageError(error);
  }
  if (jpeg.length > rekognitionMaxBytes) {
    throw new PermanentError(
      rejectionCodes.tooManyBytes,
      `Image is still ${jpeg.length} bytes as a ${maxEdge} px JPEG`,
    );
  }
  return jpeg;
};

const toLabel = ({ Name, Confidence, ParentName }: RekognitionLabel): ModerationLabel[] =>
  Name
    ? [
        {
          name: Name,
          confidence: (Confidence ?? 0) / 100,
          ...(ParentName ? { parent: ParentName } : {}),
          unsafe: true,
        },
      ]
    : [];

export const createRekognitionProvider = (
  client: RekognitionClient,
  options: RekognitionProviderOptions = {},
): ModerationProvider => {
  const thresholds = options.thresholds ?? defaultThresholds;
  const limits = options.limits ?? defaultImageLimits;
  const minConfidence = (options.minConfidence ?? thresholds.review) * 100;
  return {
    name: 'rekognition',
    async moderate(image: ImageInput) {
      const bytes = await toRekognitionBytes(image, limits);
      const response = await client
        .send(new DetectModerationLabelsCommand({ Image: { Bytes: bytes }, MinConfidence: minConfidence }))
        .catch((error: unknown) => {
          throw asRekognitionError(error);
        });
      const labels = (response.ModerationLabels ?? []).flatMap(toLabel);
      return {
        verdict: verdictOf(labels, thresholds),
        labels,
        provider: 'rekognition',
        model: `rekognition-${response.ModerationModelVersion ?? 'unknown'}`,
      };
    },
  };
};
