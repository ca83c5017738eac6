import type { S3Client } from '@aws-sdk/client-s3';
import type { Stage } from '../shared/batch';
import { type ImageLimits, loadImage } from '../shared/image';
import { capText, extractMetadata, type ImageMetadata } from './extract';

export interface MetadataData extends ImageMetadata {
  /** Content-Type as uploaded, which may disagree with the sniffed format. */
  readonly uploadedContentType?: string;
}

export interface MetadataStageOptions {
  readonly s3: S3Client;
  readonly limits: ImageLimits;
}

/** Metadata lives on the stage record itself: removing it is the tombstone the runtime writes. */
export const createMetadataStage = ({ s3, limits }: MetadataStageOptions): Stage<MetadataData> => ({
  consumer: 'metadata',
  async created({ event, signal }) {
    const image = await loadImage(s3, event, limits, signal);
    const metadata = await extractMetadata(image.body, image.format, limits);
    return { data: { ...metadata, uploadedContentType: capText(image.contentType) } };
  },
});
