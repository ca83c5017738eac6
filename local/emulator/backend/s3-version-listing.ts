import type { BucketVersions, VersionEntry } from './s3-versions';
import { xmlDocument } from './s3-xml';

const owner = { ID: 'local', DisplayName: 'local' };

interface Row {
  readonly entry: VersionEntry;
  readonly isLatest: boolean;
}

const rowXml = ({ entry, isLatest }: Row) => {
  const common = {
    Key: entry.key,
    VersionId: entry.versionId,
    IsLatest: isLatest,
    LastModified: entry.lastModified.toISOString(),
  };
  return entry.object === undefined
    ? { DeleteMarker: { ...common, Owner: owner } }
    : {
        Version: {
          ...common,
          ETag: entry.object.etag,
          Size: entry.object.contentLength,
          StorageClass: 'STANDARD',
          Owner: owner,
        },
      };
};

/** Rows after the (key, version) markers, in S3's order: keys ascending, each key's versions newest first. */
const rowsAfterMarkers = (versions: BucketVersions, bucket: string, query: URLSearchParams): Row[] => {
  const prefix = query.get('prefix') ?? '';
  const keyMarker = query.get('key-marker') ?? '';
  const versionIdMarker = query.get('version-id-marker') ?? '';
  const rows: Row[] = [];
  for (const [key, entries] of versions.allVersions(bucket)) {
    if (!key.startsWith(prefix) || (keyMarker !== '' && key < keyMarker)) continue;
    if (key === keyMarker && versionIdMarker === '') continue;
    const after =
      key === keyMarker ? entries.findIndex((entry) => entry.versionId === versionIdMarker) + 1 : 0;
    entries.forEach((entry, index) => {
      if (index >= after) rows.push({ entry, isLatest: index === 0 });
    });
  }
  return rows;
};

/** ListObjectVersions (GET /bucket?versions): every version and delete marker, paged by markers. */
export const listObjectVersions = (
  versions: BucketVersions,
  bucket: string,
  query: URLSearchParams,
): string => {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = Number(query.get('max-keys') ?? 1000);
  const listed: Row[] = [];
  const commonPrefixes: string[] = [];
  let last: { key: string; versionId?: string } | undefined;
  let truncated = false;
  for (const row of rowsAfterMarkers(versions, bucket, query)) {
    const rest = row.entry.key.slice(prefix.length);
    const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
    const commonPrefix = cut < 0 ? undefined : prefix + rest.slice(0, cut + delimiter.length);
    if (commonPrefix !== undefined && commonPrefix === commonPrefixes.at(-1)) continue;
    if (listed.length + commonPrefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (commonPrefix === undefined) {
      listed.push(row);
      last = { key: row.entry.key, versionId: row.entry.versionId };
    } else {
      commonPrefixes.push(commonPrefix);
      last = { key: commonPrefix };
    }
  }
  const rows = listed.map(rowXml);
  return xmlDocument('ListVersionsResult', {
    Name: bucket,
    Prefix: prefix,
    KeyMarker: query.get('key-marker') ?? '',
    VersionIdMarker: query.get('version-id-marker') ?? '',
    MaxKeys: maxKeys,
    ...(delimiter === '' ? {} : { Delimiter: delimiter }),
    IsTruncated: truncated,
    ...(truncated && last !== undefined
      ? {
          NextKeyMarker: last.key,
          ...(last.versionId === undefined ? {} : { NextVersionIdMarker: last.versionId }),
        }
      : {}),
    Version: rows.flatMap((row) => ('Version' in row ? [row.Version] : [])),
    DeleteMarker: rows.flatMap((row) => ('DeleteMarker' in row ? [row.DeleteMarker] : [])),
    CommonPrefixes: commonPrefixes.map((Prefix) => ({ Prefix })),
  });
};
