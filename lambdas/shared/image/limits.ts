import { consumerEnv } from '../constants';
import { intEnv } from '../env';

/** Guards on input, the same for every consumer; docs/operations.md "Limits" explains what happens past them. */
export interface ImageLimits {
  /** Largest object downloaded, in bytes (checked from the response headers before the body is read). */
  readonly maxBytes: number;
  /** Largest image decoded, in pixels (width x height, checked from the header before decoding). */
  readonly maxPixels: number;
}

export const defaultImageLimits: ImageLimits = {
  maxBytes: 50 * 1024 * 1024,
  maxPixels: 40_000_000,
};

export const imageLimitsFromEnv = (env: NodeJS.ProcessEnv = process.env): ImageLimits => ({
  maxBytes: intEnv(consumerEnv.maxImageBytes, defaultImageLimits.maxBytes, env),
  maxPixels: intEnv(consumerEnv.maxImagePixels, defaultImageLimits.maxPixels, env),
});
