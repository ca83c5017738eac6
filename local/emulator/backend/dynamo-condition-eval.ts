import type { AttributeValue, Item } from './dynalite-client';
import type { Comparator, Condition, Operand, Path } from './dynamo-condition-parser';
import { equals, isFalsyInside, order, sizeOf, typeOf, type Verdict } from './dynamo-condition-values';

/**
 * Evaluates a parsed condition against an item (the empty item when there is none), as dynalite's
 * conditional writes do. Where dynalite's answer rests on a quirk of its own rather than on
 * DynamoDB's rules (two absent operands compared, lists and maps compared by identity, an index into
 * a map, IN or BETWEEN on an empty string), the verdict is undefined: dynalite decides, as before.
 */

/** An operand in an item: a value, absent, or `unknown` when only dynalite can tell. */
type Resolved = AttributeValue | 'absent' | 'unknown';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const ownValue = (container: Record<string, unknown>, name: string): Resolved => {
  const value = Object.hasOwn(container, name) ? container[name] : undefined;
  return isRecord(value) ? value : 'absent';
};

const step = (current: AttributeValue, piece: string | number): Resolved => {
  if (typeof piece === 'number') {
    if (Array.isArray(current.L))
      return isRecord(current.L[piece]) ? (current.L[piece] as AttributeValue) : 'absent';
    // dynalite reads `a[0]` on a map as the map's key "0".
    return isRecord(current.M) ? 'unknown' : 'absent';
  }
  return isRecord(current.M) ? ownValue(current.M, piece) : 'absent';
};

const resolvePath = (item: Item, [head, ...rest]: Path): Resolved => {
  let current = typeof head === 'string' ? ownValue(item, head) : 'absent';
  for (const piece of rest) {
    if (current === 'absent' || current === 'unknown') return current;
    current = step(current, piece);
  }
  return current;
};

const resolve = (item: Item, operand: Operand): Resolved => {
  if (operand.kind === 'value') return operand.value;
  const value = resolvePath(item, operand.path);
  if (operand.kind === 'path' || value === 'absent' || value === 'unknown') return value;
  return sizeOf(value) ?? 'unknown';
};

const compare = (comparator: Comparator, left: Resolved, right: Resolved): Verdict => {
  if (left === 'unknown' || right === 'unknown') return undefined;
  // dynalite answers `a = b` and `a <= b` true when both are absent; DynamoDB would not.
  if (left === 'absent' && right === 'absent') return undefined;
  if (comparator === '=' || comparator === '<>') {
    const same = left === 'absent' || right === 'absent' ? false : equals(left, right);
    return same === undefined ? undefined : (comparator === '=') === same;
  }
  if (left === 'absent' || right === 'absent' || typeOf(left) !== typeOf(right)) return false;
  const sign = order(left, right);
  if (sign === undefined) return undefined;
  switch (comparator) {
    case '<':
      return sign < 0;
    case '<=':
      return sign <= 0;
    case '>':
      return sign > 0;
    case '>=':
      return sign >= 0;
  }
};

const between = (subject: Resolved, low: AttributeValue, high: AttributeValue): Verdict => {
  if (subject === 'unknown' || (subject !== 'absent' && isFalsyInside(subject))) return undefined;
  if (subject === 'absent' || typeOf(subject) !== typeOf(low)) return false;
  return (order(subject, low) ?? -1) >= 0 && (order(subject, high) ?? 1) <= 0;
};

const within = (subject: Resolved, candidates: readonly AttributeValue[]): Verdict => {
  if (subject === 'unknown' || (subject !== 'absent' && isFalsyInside(subject))) return undefined;
  if (subject === 'absent') return false;
  return candidates.some((candidate) => equals(subject, candidate) === true);
};

const beginsWith = (value: Resolved, prefix: string): Verdict => {
  if (value === 'unknown') return undefined;
  return value !== 'absent' && typeof value.S === 'string' && value.S.startsWith(prefix);
};

/** Kleene's three-valued AND and OR: an undecided side matters only when the other does not settle it. */
const both = (left: Verdict, right: () => Verdict): Verdict => {
  if (left === false) return false;
  const second = right();
  if (second === false) return false;
  return left === true && second === true ? true : undefined;
};

const either = (left: Verdict, right: () => Verdict): Verdict => {
  if (left === true) return true;
  const second = right();
  if (second === true) return true;
  return left === false && second === false ? false : undefined;
};

/** True or false as dynalite's conditional write would find it; undefined when only dynalite can tell. */
export const evaluateCondition = (condition: Condition, item: Item): Verdict => {
  switch (condition.kind) {
    case 'and':
      return both(evaluateCondition(condition.left, item), () => evaluateCondition(condition.right, item));
    case 'or':
      return either(evaluateCondition(condition.left, item), () => evaluateCondition(condition.right, item));
    case 'not': {
      const inner = evaluateCondition(condition.condition, item);
      return inner === undefined ? undefined : !inner;
    }
    case 'group':
      return evaluateCondition(condition.condition, item);
    case 'compare':
      return compare(condition.comparator, resolve(item, condition.left), resolve(item, condition.right));
    case 'between':
      return between(resolve(item, condition.subject), condition.low, condition.high);
    case 'in':
      return within(resolve(item, condition.subject), condition.candidates);
    case 'exists':
    case 'notExists': {
      const value = resolvePath(item, condition.path);
      if (value === 'unknown') return undefined;
      return (value !== 'absent') === (condition.kind === 'exists');
    }
    case 'beginsWith':
      return beginsWith(resolvePath(item, condition.path), condition.prefix);
  }
};
