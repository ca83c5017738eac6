import { imagePartition, type TableItem } from '../shared/store';
import { phashBandsOf } from './phash-bands';

/** Every search entry of an image sits under the image's partition with this sort-key prefix. */
export const indexEntryPrefix = 'INDEX#';

export const ownerTerm = (owner: string) => `OWNER#${owner}`;
export const tokenTerm = (token: string) => `TOKEN#${token}`;
export const phashTerm = (band: number, value: string) => `PHASH#${band}#${value}`;

export interface IndexedImage {
  readonly imageId: string;
  readonly bucket: string;
  readonly key: string;
  readonly owner: string;
  readonly uploadedAt: string;
  readonly contentType: string;
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  readonly tokens: readonly string[];
  readonly phash: string;
}

/**
 * The search entries of one image, all in one GSI (byTerm): by owner and time, by token (newest
 * first), and by perceptual-hash band for near-duplicate lookup.
 */
export const indexEntries = (image: IndexedImage): TableItem[] => {
  const pk = imagePartition(image.imageId);
  const byTime = `${image.uploadedAt}#${image.imageId}`;
  const summary = {
    imageId: image.imageId,
    bucket: image.bucket,
    key: image.key,
    owner: image.owner,
    uploadedAt: image.uploadedAt,
    contentType: image.contentType,
    phash: image.phash,
  };
  return [
    {
      pk,
      sk: `${indexEntryPrefix}OWNER`,
      gsi1pk: ownerTerm(image.owner),
      gsi1sk: byTime,
      ...summary,
      bytes: image.bytes,
      width: image.width,
      height: image.height,
      tokens: [...image.tokens],
    },
    ...image.tokens.map((token) => ({
      pk,
      sk: `${indexEntryPrefix}TOKEN#${token}`,
      gsi1pk: tokenTerm(token),
      gsi1sk: byTime,
      ...summary,
    })),
    ...phashBandsOf(image.phash).map((value, band) => ({
      pk,
      sk: `${indexEntryPrefix}PHASH#${band}`,
      gsi1pk: phashTerm(band, value),
      gsi1sk: image.imageId,
      ...summary,
    })),
  ];
};
