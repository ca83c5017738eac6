/**
 * An upper estimate of an item's size as DynamoDB counts it (attribute names and values, strings in
 * UTF-8, numbers up to 21 bytes, 3 bytes of overhead per list or map and 1 per element), so that an
 * item over the limit is known before the write that would be refused whole.
 */
export const itemSizeBytes = (item: Readonly<Record<string, unknown>>): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);

const valueSize = (value: unknown): number => {
  if (value === undefined) return 0;
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return 21;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value) || value instanceof Set) {
    return [...value].reduce((sum: number, element) => sum + 1 + valueSize(element), 3);
  }
  if (typeof value === 'object') {
    return Object.entries(value).reduce(
      (sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + valueSize(element),
      3,
    );
  }
  return Buffer.byteLength(String(value));
};
