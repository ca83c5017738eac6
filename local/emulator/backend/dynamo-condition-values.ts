import Big from 'big.js';
import type { AttributeValue } from './dynalite-client';

/**
 * Attribute values as the native condition checks compare them, with dynalite's rules (its `compare`
 * and `valsEqual`), so that a check made here answers what dynalite's own conditional write would.
 */

/** What a comparison says: true, false, or undefined when only dynalite can tell. */
export type Verdict = boolean | undefined;

/** The wire type of a value (`S`, `N`, `L`, ...): its one member. */
export const typeOf = (value: AttributeValue): string => Object.keys(value)[0] ?? '';

const isBase64 = (text: string) =>
  text.length % 4 === 0 && Buffer.from(text, 'base64').toString('base64') === text;

/** DynamoDB's number limits: 38 significant digits, magnitudes from 1E-130 to 9.9E+125. */
const normalizedNumber = (text: string): string | undefined => {
  if (text === '') return undefined;
  let number: Big;
  try {
    number = new Big(text);
  } catch {
    return undefined;
  }
  if (number.e > 125 || number.e < -130 || number.c.length > 38) return undefined;
  // dynalite stores and compares numbers in this form ("1.50" is "1.5").
  return number.toFixed();
};

/**
 * An expression attribute value that dynalite would accept, in the form it compares (numbers
 * normalized); undefined for anything else, including sets, lists and maps (left to dynalite).
 */
export const scalarValue = (raw: unknown): AttributeValue | undefined => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw);
  const [entry] = entries;
  if (entry === undefined || entries.length !== 1) return undefined;
  const [type, inner] = entry;
  if (type === 'S' && typeof inner === 'string') return { S: inner };
  if (type === 'N' && typeof inner === 'string') {
    const number = normalizedNumber(inner);
    return number === undefined ? undefined : { N: number };
  }
  if (type === 'B' && typeof inner === 'string' && isBase64(inner)) return { B: inner };
  if (type === 'BOOL' && typeof inner === 'boolean') return { BOOL: inner };
  if (type === 'NULL' && inner === true) return { NULL: true };
  return undefined;
};

const sameSet = (left: unknown, right: unknown) =>
  Array.isArray(left) &&
  Array.isArray(right) &&
  left.length === right.length &&
  left.every((element) => right.includes(element));

/** `=` on two present values; lists and maps are left to dynalite (it compares them by identity). */
export const equals = (left: AttributeValue, right: AttributeValue): Verdict => {
  const type = typeOf(left);
  if (type !== typeOf(right)) return false;
  switch (type) {
    case 'S':
    case 'N':
    case 'B':
    case 'BOOL':
    case 'NULL':
      return left[type] === right[type];
    case 'SS':
    case 'NS':
    case 'BS':
      return sameSet(left[type], right[type]);
    default:
      return undefined;
  }
};

/** The order of two values of one ordered type (S, N, B) as a sign; undefined for any other type. */
export const order = (left: AttributeValue, right: AttributeValue): number | undefined => {
  const type = typeOf(left);
  const [a, b] = [left[type], right[type]];
  if (type !== typeOf(right) || typeof a !== 'string' || typeof b !== 'string') return undefined;
  switch (type) {
    case 'N':
      return new Big(a).cmp(b);
    case 'S':
      // dynalite compares strings as JavaScript does (UTF-16 code units).
      return a < b ? -1 : a > b ? 1 : 0;
    case 'B':
      return Buffer.compare(Buffer.from(a, 'base64'), Buffer.from(b, 'base64'));
    default:
      return undefined;
  }
};

/** dynalite's IN and BETWEEN treat a present but empty string, empty binary or `false` as absent. */
export const isFalsyInside = (value: AttributeValue): boolean => {
  const inner = value[typeOf(value)];
  return inner === '' || inner === false;
};

/** `size()` of a present value, as dynalite computes it; undefined where only dynalite can tell. */
export const sizeOf = (value: AttributeValue): AttributeValue | undefined => {
  const type = typeOf(value);
  const inner = value[type];
  if ((type === 'S' || type === 'B') && (typeof inner !== 'string' || inner === '')) return undefined;
  if (type === 'S') return { N: String((inner as string).length) };
  if (type === 'B') return { N: String(Buffer.from(inner as string, 'base64').length) };
  if (['SS', 'NS', 'BS', 'L'].includes(type) && Array.isArray(inner)) return { N: String(inner.length) };
  if (type === 'M' && typeof inner === 'object' && inner !== null)
    return { N: String(Object.keys(inner).length) };
  return undefined;
};
