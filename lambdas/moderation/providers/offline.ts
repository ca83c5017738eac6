import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { load, type NSFWJS } from 'nsfwjs/core';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';
import sharp from 'sharp';
import { consumerEnv } from '../../shared/constants';
import { asImageError, decodeOptions } from '../../shared/image/decode';
import { defaultImageLimits, type ImageLimits } from '../../shared/image/limits';
import {
  defaultThresholds,
  type ImageInput,
  type ModerationLabel,
  type ModerationProvider,
  type ModerationThresholds,
  verdictOf,
} from '../types';

export const offlineModel = 'nsfwjs-mobilenet_v2';
export const wasmPathVariable = consumerEnv.moderationWasmPath;

/** MobileNetV2's input edge; nsfwjs itself stretches any image to this square without cropping. */
const inputSize = 224;
const nsfwClasses = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
const unsafeClasses: ReadonlySet<string> = new Set(['Hentai', 'Porn', 'Sexy']);

export interface OfflineProviderOptions {
  readonly thresholds?: ModerationThresholds;
  /**
   * Directory holding tfjs-backend-wasm's .wasm files. Defaults to $MODERATION_WASM_PATH, else the
   * directory of the backend's own JavaScript (the package unbundled, the handler's directory bundled).
   * The backend initialises once per process, so only the first provider's value counts.
   */
  readonly wasmPath?: string;
  readonly limits?: ImageLimits;
}

let loading: Promise<NSFWJS> | undefined;

/**
 * Emscripten's Node glue adds process-wide uncaughtException/unhandledRejection listeners that
 * rethrow, and tfjs only removes them when the backend is disposed; they would change how the
 * Lambda runtime and test runners see errors, so the ones added during initialisation are removed.
 */
const withoutEmscriptenListeners = async <T>(initialise: () => Promise<T>): Promise<T> => {
  const exceptionListeners = new Set(process.listeners('uncaughtException'));
  const rejectionListeners = new Set(process.listeners('unhandledRejection'));
  try {
    return await initialise();
  } finally {
    for (const listener of process.listeners('uncaughtException')) {
      if (!exceptionListeners.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!rejectionListeners.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
};

const initialise = async (wasmPath: string | undefined): Promise<NSFWJS> => {
  if (wasmPath !== undefined) setWasmPaths(wasmPath.endsWith('/') ? wasmPath : `${wasmPath}/`);
  const ready = await withoutEmscriptenListeners(() => tf.setBackend('wasm'));
  if (!ready)
    throw new Error(`The tfjs wasm backend failed to initialise (wasm path: ${wasmPath ?? 'default'})`);
  return load('MobileNetV2', { modelDefinitions: [MobileNetV2Model] });
};

/** One model per process, shared by concurrent first calls; a failed load is retried by the next call. */
const loadModel = (wasmPath: string | undefined): Promise<NSFWJS> => {
  loading ??= initialise(wasmPath).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
};

/** First frame, upright, alpha flattened on white, stretched to the model's square, 8-bit RGB. */
const toModelInput = async (body: Buffer, limits: ImageLimits): Promise<Uint8Array> => {
  try {
    const { data, info } = await sharp(body, { ...decodeOptions(limits), pages: 1 })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .resize(inputSize, inputSize, { fit: 'fill' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`Expected 3 channels after conversion, got ${info.channels}`);
    return data;
  } catch (error) {
    throw asImageError(error);
  }
};

const classify = async (model: NSFWJS, pixels: Uint8Array): Promise<ModerationLabel[]> => {
  const input = tf.tensor3d(pixels, [inputSize, inputSize, 3], 'int32');
  try {
    // nsfwjs scales to 0..1 itself and disposes its intermediate tensors; the input is ours to dispose.
    const predictions = await model.classify(input, nsfwClasses.length);
    return predictions.map(({ className, probability }) => ({
      name: className,
      confidence: probability,
      unsafe: unsafeClasses.has(className),
    }));
  } finally {
    input.dispose();
  }
};

export const createOfflineProvider = (options: OfflineProviderOptions = {}): ModerationProvider => {
  const thresholds = options.thresholds ?? defaultThresholds;
  const limits = options.limits ?? defaultImageLimits;
  const wasmPath = options.wasmPath ?? (process.env[wasmPathVariable] || undefined);
  return {
    name: 'offline',
    async moderate(image: ImageInput) {
      const [model, pixels] = await Promise.all([loadModel(wasmPath), toModelInput(image.body, limits)]);
      const labels = await classify(model, pixels);
      return { verdict: verdictOf(labels, thresholds), labels, provider: 'offline', model: offlineModel };
    },
  };
};
