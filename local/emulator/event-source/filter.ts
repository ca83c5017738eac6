/**
 * Lambda event filtering (FilterCriteria) for SQS records: EventBridge-style patterns matched
 * against the record, with `body` matched as JSON when it parses and as a string otherwise.
 * A record passes when any one pattern matches; Lambda deletes the records that match none.
 * AWS pages: "Control which events Lambda sends to your function", "Amazon EventBridge event patterns".
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const numericMatches = (value: unknown, conditions: unknown[]): boolean => {
  if (typeof value !== 'number') return false;
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const operator = conditions[i];
    const operand = Number(conditions[i + 1]);
    const ok =
      operator === '='
        ? value === operand
        : operator === '<'
          ? value < operand
          : operator === '<='
            ? value <= operand
            : operator === '>'
              ? value > operand
              : operator === '>='
                ? value >= operand
                : false;
    if (!ok) return false;
  }
  return true;
};

const wildcardMatches = (value: string, pattern: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

/** One element of a pattern's value list against one scalar value (or absence). */
const elementMatches = (element: unknown, value: unknown, present: boolean): boolean => {
  if (!isObject(element)) return present && element === value;
  if ('exists' in element) return element.exists === present;
  if (!present) return false;
  if ('prefix' in element) {
    const prefix = element.prefix;
    if (isObject(prefix) && typeof prefix['equals-ignore-case'] === 'string') {
      return (
        typeof value === 'string' &&
        value.toLowerCase().startsWith(prefix['equals-ignore-case'].toLowerCase())
      );
    }
    return typeof value === 'string' && typeof prefix === 'string' && value.startsWith(prefix);
  }
  if ('suffix' in element) {
    return typeof value === 'string' && typeof element.suffix === 'string' && value.endsWith(element.suffix);
  }
  if ('equals-ignore-case' in element) {
    return (
      typeof value === 'string' && String(element['equals-ignore-case']).toLowerCase() === value.toLowerCase()
    );
  }
  if ('wildcard' in element)
    return typeof value === 'string' && wildcardMatches(value, String(element.wildcard));
  if ('numeric' in element && Array.isArray(element.numeric)) return numericMatches(value, element.numeric);
  if ('anything-but' in element) {
    const excluded = element['anything-but'];
    if (isObject(excluded)) return !elementMatches(excluded, value, present);
    return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value as Json);
  }
  return false;
};

const valueMatches = (allowed: unknown, value: unknown, present: boolean): boolean => {
  if (!Array.isArray(allowed)) return false;
  const values = Array.isArray(value) ? value : [value];
  return allowed.some((element) =>
    isObject(element) && 'exists' in element
      ? elementMatches(element, value, present)
      : values.some((item) => elementMatches(element, item, present)),
  );
};

/**
 * A nested pattern under a missing field sees every one of its fields as absent, so
 * `{"a": {"b": [{"exists": false}]}}` matches an event without `a`. A field that is present but not
 * an object (an SQS body that is not JSON, say) cannot satisfy a nested pattern.
 */
export const matchesPattern = (pattern: unknown, event: unknown): boolean => {
  if (!isObject(pattern)) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    if (field === '$or') {
      return Array.isArray(expected) && expected.some((branch) => matchesPattern(branch, event));
    }
    const present = isObject(event) && field in event;
    const value = isObject(event) ? event[field] : undefined;
    if (isObject(expected))
      return present
        ? isObject(value) && matchesPattern(expected, value)
        : matchesPattern(expected, undefined);
    return valueMatches(expected, value, present);
  });
};

/** The record as filters see it: the body parsed when it is JSON. */
export const filterView = (record: { readonly body: string }): Record<string, unknown> => {
  let body: unknown = record.body;
  try {
    body = JSON.parse(record.body);
  } catch {
    // A plain-text body is matched as a string.
  }
  return { ...record, body };
};

export const passesFilters = (patterns: readonly unknown[], record: { readonly body: string }) =>
  patterns.length === 0 || patterns.some((pattern) => matchesPattern(pattern, filterView(record)));
