/**
 * Which filter patterns Lambda accepts on an SQS event source mapping. The syntax is EventBridge's
 * ("Amazon EventBridge event patterns"): every leaf is a non-empty list of values or comparison
 * operators, `$or` holds a list of patterns. SQS mappings filter the message ("Using event
 * filtering with an Amazon SQS event source"): the fields Lambda adds to the record (eventSource,
 * eventSourceARN, awsRegion) are not there to match.
 */

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The record fields an SQS filter may name: the message's content, not the mapping's metadata. */
export const sqsFilterableFields = ['body', 'attributes', 'messageAttributes'] as const;

const numericOperators = new Set(['=', '<', '<=', '>', '>=']);
const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);

const stringOrIgnoreCase = (operand: unknown) =>
  typeof operand === 'string' ||
  (isObject(operand) &&
    Object.keys(operand).length === 1 &&
    typeof operand['equals-ignore-case'] === 'string');

const numericProblem = (operand: unknown): string | undefined => {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4)
    return 'numeric takes one or two [operator, number] pairs';
  for (let i = 0; i < operand.length; i += 2) {
    if (!numericOperators.has(String(operand[i]))) return `numeric operator ${JSON.stringify(operand[i])}`;
    if (typeof operand[i + 1] !== 'number') return `numeric operand ${JSON.stringify(operand[i + 1])}`;
  }
  return undefined;
};

const anythingButProblem = (operand: unknown): string | undefined => {
  if (isScalar(operand)) return undefined;
  if (Array.isArray(operand))
    return operand.length > 0 && operand.every(isScalar) ? undefined : 'anything-but takes values';
  if (isObject(operand) && Object.keys(operand).length === 1) {
    const [name] = Object.keys(operand);
    if (name === 'prefix' || name === 'suffix' || name === 'wildcard' || name === 'equals-ignore-case')
      return typeof operand[name] === 'string' ? undefined : `anything-but ${name} takes a string`;
  }
  return 'anything-but takes values or one of prefix, suffix, wildcard, equals-ignore-case';
};

/** Why one element of a value list is not a valid EventBridge matcher, if it is not. */
const operatorProblem = (element: unknown): string | undefined => {
  if (isScalar(element)) return undefined;
  if (!isObject(element) || Object.keys(element).length !== 1)
    return `${JSON.stringify(element)} is no matcher`;
  const [name = ''] = Object.keys(element);
  const operand = element[name];
  switch (name) {
    case 'prefix':
    case 'suffix':
      return stringOrIgnoreCase(operand) ? undefined : `${name} takes a string`;
    case 'equals-ignore-case':
    case 'wildcard':
    case 'cidr':
      return typeof operand === 'string' ? undefined : `${name} takes a string`;
    case 'exists':
      return typeof operand === 'boolean' ? undefined : 'exists takes true or false';
    case 'numeric':
      return numericProblem(operand);
    case 'anything-but':
      return anythingButProblem(operand);
    default:
      return `unknown operator ${name}`;
  }
};

/** Why a pattern (or a nested part of one) is invalid, or undefined when it is valid. */
const patternProblem = (pattern: unknown, at: string): string | undefined => {
  if (!isObject(pattern)) return `${at || 'the pattern'} is not a JSON object`;
  for (const [field, value] of Object.entries(pattern)) {
    const path = at ? `${at}.${field}` : field;
    if (field === '$or') {
      if (!Array.isArray(value) || value.length === 0) return `${path} takes a list of patterns`;
      for (const branch of value) {
        const problem = patternProblem(branch, at);
        if (problem !== undefined) return problem;
      }
    } else if (isObject(value)) {
      const problem = patternProblem(value, path);
      if (problem !== undefined) return problem;
    } else if (!Array.isArray(value) || value.length === 0) {
      return `${path} must be a non-empty list of values or matchers`;
    } else {
      const problem = value.map(operatorProblem).find((found) => found !== undefined);
      if (problem !== undefined) return `${path}: ${problem}`;
    }
  }
  return undefined;
};

/** The top-level fields a pattern names, through `$or` branches. */
const topLevelFields = (pattern: Record<string, unknown>): string[] =>
  Object.entries(pattern).flatMap(([field, value]) =>
    field === '$or' && Array.isArray(value) ? value.filter(isObject).flatMap(topLevelFields) : [field],
  );

/** Why Lambda would not take this pattern on an SQS mapping, or undefined when it would. */
export const sqsPatternProblem = (pattern: unknown): string | undefined => {
  const problem = patternProblem(pattern, '');
  if (problem !== undefined || !isObject(pattern)) return problem;
  const allowed: readonly string[] = sqsFilterableFields;
  const other = topLevelFields(pattern).find((field) => !allowed.includes(field));
  return other === undefined
    ? undefined
    : `${other} is not a message field an SQS filter can match (${sqsFilterableFields.join(', ')})`;
};
