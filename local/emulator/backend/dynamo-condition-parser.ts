import type { AttributeValue } from './dynalite-client';
import { isKeyword, Keyword, type Token, TokenKind, tokenize } from './dynamo-condition-tokens';
import { order, scalarValue, typeOf } from './dynamo-condition-values';
import { isReservedWord } from './dynamo-reserved-words';

/**
 * Condition expressions parsed for native evaluation: a subset of DynamoDB's grammar (developer guide,
 * "Condition and filter expressions, operators, and functions"). Anything outside it, and anything
 * invalid, parses to undefined and is left to dynalite, which answers it as before (an invalid
 * expression is a ValidationException). So the subset only has to be sound: every expression it
 * accepts is one dynalite accepts too, with the same meaning.
 *
 *   condition   := conjunction ( OR conjunction )*
 *   conjunction := negation ( AND negation )*
 *   negation    := NOT primary | primary
 *   primary     := '(' condition ')'                       (not directly inside another pair: "((x))")
 *                | operand comparator operand              (= <> < <= > >=; not a path against itself)
 *                | operand BETWEEN value AND value         (bounds of one type, S, N or B, low <= high)
 *                | operand IN '(' value ( ',' value )* ')' (1 to 100 values)
 *                | attribute_exists '(' path ')' | attribute_not_exists '(' path ')'
 *                | begins_with '(' path ',' value ')'      (a string value)
 *   operand     := path | value | size '(' path ')'
 *   path        := name ( '.' name | '[' digits ']' )*
 *   name        := identifier (not a reserved word) | #placeholder
 *   value       := :placeholder                           (of type S, N, B, BOOL or NULL)
 *
 * Keywords in any letter case, function names in lower case, whitespace between any two tokens.
 * Every placeholder given must be used.
 */

export type Path = readonly (string | number)[];

export type Operand =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'size'; readonly path: Path };

export const comparators = ['=', '<>', '<', '<=', '>', '>='] as const;
export type Comparator = (typeof comparators)[number];

export type Condition =
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not' | 'group'; readonly condition: Condition }
  | {
      readonly kind: 'compare';
      readonly comparator: Comparator;
      readonly left: Operand;
      readonly right: Operand;
    }
  | {
      readonly kind: 'between';
      readonly subject: Operand;
      readonly low: AttributeValue;
      readonly high: AttributeValue;
    }
  | { readonly kind: 'in'; readonly subject: Operand; readonly candidates: readonly AttributeValue[] }
  | { readonly kind: 'exists' | 'notExists'; readonly path: Path }
  | { readonly kind: 'beginsWith'; readonly path: Path; readonly prefix: string };

/** The members of a request that a condition is made of. */
export interface ConditionParams {
  readonly ConditionExpression?: unknown;
  readonly ExpressionAttributeNames?: unknown;
  readonly ExpressionAttributeValues?: unknown;
}

/** Thrown inside the parser when the expression leaves the subset; never escapes `parseCondition`. */
class OutsideSubset extends Error {
  override readonly name = 'OutsideSubset';
}

const outside = (): never => {
  throw new OutsideSubset();
};

const conditionFunctions: ReadonlySet<string> = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'begins_with',
]);

/** AWS: "The IN operator accepts up to 100 values." dynalite does not count; longer lists go to it. */
const inValueLimit = 100;

const samePath = (left: Operand, right: Operand) =>
  left.kind === 'path' &&
  right.kind === 'path' &&
  left.path.length === right.path.length &&
  left.path.every((piece, index) => piece === right.path[index]);

class ConditionParser {
  #at = 0;
  readonly #usedNames = new Set<string>();
  readonly #usedValues = new Set<string>();

  constructor(
    private readonly tokens: readonly Token[],
    private readonly names: ReadonlyMap<string, string>,
    private readonly values: ReadonlyMap<string, AttributeValue>,
  ) {}

  /** The whole expression, only if it used every placeholder it was given. */
  parse(): Condition {
    const condition = this.#condition();
    if (this.#at < this.tokens.length) outside();
    if (this.#usedNames.size < this.names.size || this.#usedValues.size < this.values.size) outside();
    return condition;
  }

  #condition(): Condition {
    let left = this.#conjunction();
    while (this.#acceptKeyword(Keyword.or)) left = { kind: 'or', left, right: this.#conjunction() };
    return left;
  }

  #conjunction(): Condition {
    let left = this.#negation();
    while (this.#acceptKeyword(Keyword.and)) left = { kind: 'and', left, right: this.#negation() };
    return left;
  }

  #negation(): Condition {
    return this.#acceptKeyword(Keyword.not) ? { kind: 'not', condition: this.#primary() } : this.#primary();
  }

  #primary(): Condition {
    if (this.#acceptSymbol('(')) {
      const condition = this.#condition();
      this.#expectSymbol(')');
      // dynalite: "The expression has redundant parentheses;"
      if (condition.kind === 'group') outside();
      return { kind: 'group', condition };
    }
    const call = this.#functionName();
    if (call !== undefined && conditionFunctions.has(call)) return this.#functionCondition(call);
    const left = this.#operand();
    const next = this.tokens[this.#at];
    const comparator = comparators.find((symbol) => next?.kind === TokenKind.symbol && next.text === symbol);
    if (comparator !== undefined) {
      this.#at++;
      const right = this.#operand();
      // dynalite: "The first operand must be distinct from the remaining operands".
      if (samePath(left, right)) outside();
      return { kind: 'compare', comparator, left, right };
    }
    if (this.#acceptKeyword(Keyword.between)) return this.#between(left);
    if (this.#acceptKeyword(Keyword.in)) return this.#membership(left);
    return outside();
  }

  #functionCondition(name: string): Condition {
    this.#at++;
    this.#expectSymbol('(');
    const path = this.#path();
    if (name === 'begins_with') {
      this.#expectSymbol(',');
      const prefix = this.#value();
      this.#expectSymbol(')');
      return typeof prefix.S === 'string' ? { kind: 'beginsWith', path, prefix: prefix.S } : outside();
    }
    this.#expectSymbol(')');
    return { kind: name === 'attribute_exists' ? 'exists' : 'notExists', path };
  }

  #between(subject: Operand): Condition {
    const low = this.#value();
    if (!this.#acceptKeyword(Keyword.and)) outside();
    const high = this.#value();
    // dynalite refuses bounds of two types, or a lower bound above the upper one.
    const sign = typeOf(low) === typeOf(high) ? order(low, high) : undefined;
    if (sign === undefined || sign > 0) outside();
    return { kind: 'between', subject, low, high };
  }

  #membership(subject: Operand): Condition {
    this.#expectSymbol('(');
    const candidates = [this.#value()];
    while (this.#acceptSymbol(',')) candidates.push(this.#value());
    this.#expectSymbol(')');
    if (candidates.length > inValueLimit) outside();
    return { kind: 'in', subject, candidates };
  }

  #operand(): Operand {
    if (this.tokens[this.#at]?.kind === TokenKind.value) return { kind: 'value', value: this.#value() };
    const call = this.#functionName();
    if (call === undefined) return { kind: 'path', path: this.#path() };
    // Only size() gives a value; any other function as an operand is refused by dynalite.
    if (call !== 'size') outside();
    this.#at++;
    this.#expectSymbol('(');
    const path = this.#path();
    this.#expectSymbol(')');
    return { kind: 'size', path };
  }

  #path(): Path {
    const pieces: (string | number)[] = [this.#pathName()];
    for (;;) {
      if (this.#acceptSymbol('.')) pieces.push(this.#pathName());
      else if (this.#acceptSymbol('[')) {
        const index = this.tokens[this.#at++];
        if (index?.kind !== TokenKind.digits) outside();
        pieces.push(Number(index?.text));
        this.#expectSymbol(']');
      } else return pieces;
    }
  }

  #pathName(): string {
    const token = this.tokens[this.#at++];
    if (token?.kind === TokenKind.word && !isKeyword(token) && !isReservedWord(token.text)) return token.text;
    const name = token?.kind === TokenKind.name ? this.names.get(token.text) : undefined;
    if (token === undefined || name === undefined) return outside();
    this.#usedNames.add(token.text);
    return name;
  }

  #value(): AttributeValue {
    const token = this.tokens[this.#at++];
    const value = token?.kind === TokenKind.value ? this.values.get(token.text) : undefined;
    if (token === undefined || value === undefined) return outside();
    this.#usedValues.add(token.text);
    return value;
  }

  /** The word at the cursor when a `(` follows it (a function call), without consuming it. */
  #functionName(): string | undefined {
    const [word, next] = [this.tokens[this.#at], this.tokens[this.#at + 1]];
    const called = word?.kind === TokenKind.word && next?.kind === TokenKind.symbol && next.text === '(';
    return called ? word.text : undefined;
  }

  #acceptKeyword(keyword: Keyword): boolean {
    if (!isKeyword(this.tokens[this.#at], keyword)) return false;
    this.#at++;
    return true;
  }

  #acceptSymbol(symbol: string): boolean {
    const token = this.tokens[this.#at];
    if (token?.kind !== TokenKind.symbol || token.text !== symbol) return false;
    this.#at++;
    return true;
  }

  #expectSymbol(symbol: string): void {
    if (!this.#acceptSymbol(symbol)) outside();
  }
}

/** Placeholders as dynalite accepts them: a non-empty map, each key well formed, each entry valid. */
const placeholders = <T>(
  raw: unknown,
  keyPattern: RegExp,
  read: (entry: unknown) => T | undefined,
): Map<string, T> | undefined => {
  if (raw === undefined || raw === null) return new Map();
  if (typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const map = new Map<string, T>();
  for (const [key, entry] of Object.entries(raw)) {
    const value = read(entry);
    if (!keyPattern.test(key) || value === undefined) return undefined;
    map.set(key, value);
  }
  return map.size === 0 ? undefined : map;
};

const attributeName = (entry: unknown) => (typeof entry === 'string' && entry !== '' ? entry : undefined);

/** The condition of a request, or undefined when it is outside the subset (or invalid). */
export const parseCondition = (params: ConditionParams): Condition | undefined => {
  if (typeof params.ConditionExpression !== 'string') return undefined;
  const tokens = tokenize(params.ConditionExpression);
  const names = placeholders(params.ExpressionAttributeNames, /^#[0-9a-zA-Z_]+$/, attributeName);
  const values = placeholders(params.ExpressionAttributeValues, /^:[0-9a-zA-Z_]+$/, scalarValue);
  if (tokens === undefined || tokens.length === 0 || names === undefined || values === undefined)
    return undefined;
  try {
    return new ConditionParser(tokens, names, values).parse();
  } catch (error) {
    if (error instanceof OutsideSubset) return undefined;
    throw error;
  }
};
