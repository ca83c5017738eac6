import { consumerEnv } from '../shared/constants';
import { intEnv, listEnv } from '../shared/env';
import {
  defaultThumbnailSettings,
  type ThumbnailFormat,
  type ThumbnailSettings,
  thumbnailFormats,
} from './render';

export const thumbnailSettingsFromEnv = (env: NodeJS.ProcessEnv = process.env): ThumbnailSettings => {
  const widths = listEnv(consumerEnv.thumbnailWidths, defaultThumbnailSettings.widths.map(String), env).map(
    Number,
  );
  if (widths.length === 0 || widths.some((width) => !Number.isInteger(width) || width < 1 || width > 8192)) {
    throw new Error(
      `${consumerEnv.thumbnailWidths} must be comma-separated integers in [1, 8192], got "${env[consumerEnv.thumbnailWidths]}"`,
    );
  }
  const formats = listEnv('THUMBNAIL_FORMATS', defaultThumbnailSettings.formats, env);
  const unknown = formats.filter((format) => !(thumbnailFormats as readonly string[]).includes(format));
  if (unknown.length > 0) {
    throw new Error(
      `THUMBNAIL_FORMATS may only name ${thumbnailFormats.join(', ')}; got ${unknown.join(', ')}`,
    );
  }
  return {
    widths,
    formats: formats as ThumbnailFormat[],
    quality: intEnv('THUMBNAIL_QUALITY', defaultThumbnailSettings.quality, env, { max: 100 }),
  };
};
