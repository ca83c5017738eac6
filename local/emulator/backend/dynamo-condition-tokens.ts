/** The lexical pieces of a condition expression, as dynalite's grammar reads them. */
export const TokenKind = {
  /** An identifier: a letter or `_`, then letters, digits, `_` (an attribute, function or keyword). */
  word: 'word',
  /** `#name`: an expression attribute name placeholder. */
  name: 'name',
  /** `:value`: an expression attribute value placeholder. */
  value: 'value',
  /** A list index inside `[ ]`. */
  digits: 'digits',
  /** A comparator or one of `( ) , . [ ]`. */
  symbol: 'symbol',
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

/** The words the grammar reads as operators, in any letter case. */
export const Keyword = { and: 'AND', or: 'OR', not: 'NOT', between: 'BETWEEN', in: 'IN' } as const;
export type Keyword = (typeof Keyword)[keyof typeof Keyword];

const keywords: ReadonlySet<string> = new Set(Object.values(Keyword));

export const isKeyword = (token: Token | undefined, keyword?: Keyword): boolean =>
  token?.kind === TokenKind.word &&
  (keyword === undefined ? keywords.has(token.text.toUpperCase()) : token.text.toUpperCase() === keyword);

// Whitespace is only space, tab, CR and LF in dynalite's grammar; anything unmatched ends the scan.
const lexemeSource =
  /[ \t\r\n]+|([A-Za-z_][A-Za-z0-9_]*)|(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([0-9]+)|(>=|<=|<>|[=<>(),.[\]])/
    .source;

/** The tokens of an expression; undefined for any character or spelling dynalite's grammar refuses. */
export const tokenize = (expression: string): Token[] | undefined => {
  const tokens: Token[] = [];
  const lexeme = new RegExp(lexemeSource, 'y');
  while (lexeme.lastIndex < expression.length) {
    const match = lexeme.exec(expression);
    if (match === null) return undefined;
    const [, word, name, value, digits, symbol] = match;
    if (word !== undefined) {
      // A keyword directly followed by `#` or `:` is no keyword to dynalite, and no identifier either.
      if (keywords.has(word.toUpperCase()) && /[#:]/.test(expression[lexeme.lastIndex] ?? ''))
        return undefined;
      tokens.push({ kind: TokenKind.word, text: word });
    } else if (name !== undefined) tokens.push({ kind: TokenKind.name, text: name });
    else if (value !== undefined) tokens.push({ kind: TokenKind.value, text: value });
    else if (digits !== undefined) tokens.push({ kind: TokenKind.digits, text: digits });
    else if (symbol !== undefined) tokens.push({ kind: TokenKind.symbol, text: symbol });
  }
  return tokens;
};
