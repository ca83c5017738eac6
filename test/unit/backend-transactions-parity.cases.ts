/**
 * The condition expressions of backend-transactions-parity.test.ts, judged against its fixture item
 * (or an absent item where `absent` is set). Labels say what each case shows.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export interface ParityCase {
  readonly expression: string;
  readonly values?: Record<string, AttributeValue>;
  readonly names?: Record<string, string>;
  readonly absent?: boolean;
}

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: string): AttributeValue => ({ N: value });
const B = (text: string): AttributeValue => ({ B: Buffer.from(text) }) as AttributeValue;

const when = (
  expression: string,
  values?: Record<string, AttributeValue>,
  names?: Record<string, string>,
): ParityCase => ({ expression, values, names });
const absent = (expression: string, values?: Record<string, AttributeValue>): ParityCase => ({
  expression,
  values,
  absent: true,
});

const comparisons: [string, ParityCase][] = [
  ['= on a string, true', when('greeting = :v', { ':v': S('hello') })],
  ['= on a string, false', when('greeting = :v', { ':v': S('Hello') })],
  ['= on a number written another way (42.0)', when('answer = :v', { ':v': N('42.0') })],
  ['= on a number stored normalized (1e20)', when('huge = :v', { ':v': N('100000000000000000000') })],
  ['= between a number and a string: false', when('answer = :v', { ':v': S('42') })],
  ['= with the value first', when(':v = greeting', { ':v': S('hello') })],
  ['= on binary', when('payload = :v', { ':v': B('abc') })],
  ['= on BOOL true', when('enabled = :v', { ':v': { BOOL: true } })],
  ['= on BOOL false against true', when('disabled = :v', { ':v': { BOOL: true } })],
  ['= on NULL', when('cleared = :v', { ':v': { NULL: true } })],
  ['= on an empty string', when('blank = :v', { ':v': S('') })],
  ['= on a missing attribute', when('ghost = :v', { ':v': S('hello') })],
  ['= on two paths of one value', when('greeting = doc.title', undefined)],
  ['= on two sets of the same members in another order', when('tags = labels')],
  ['<> on a string, false', when('greeting <> :v', { ':v': S('hello') })],
  ['<> on a string, true', when('greeting <> :v', { ':v': S('hullo') })],
  ['<> on a missing attribute', when('ghost <> :v', { ':v': S('hello') })],
  ['<> between types', when('answer <> :v', { ':v': S('42') })],
  ['< on numbers', when('answer < :v', { ':v': N('100') })],
  ['< on equal numbers', when('answer < :v', { ':v': N('42') })],
  ['<= on equal numbers', when('answer <= :v', { ':v': N('42') })],
  ['> on negative decimals', when('debt > :v', { ':v': N('-8') })],
  ['>= on a big number', when('huge >= :v', { ':v': N('1e19') })],
  ['< on strings', when('greeting < :v', { ':v': S('i') })],
  ['>= on strings, false', when('greeting >= :v', { ':v': S('help') })],
  ['> on strings by code unit', when('accent > :v', { ':v': S('hz') })],
  ['< on binary', when('payload < :v', { ':v': B('abd') })],
  ['< between types', when('answer < :v', { ':v': S('9') })],
  ['<= on a missing attribute', when('ghost <= :v', { ':v': N('1') })],
];

const paths: [string, ParityCase][] = [
  ['a map member', when('doc.title = :v', { ':v': S('report') })],
  ['a placeholder in a nested path', when('doc.#s = :v', { ':v': N('3') }, { '#s': 'size' })],
  ['every piece a placeholder', when('#d.#e[0] = :v', { ':v': N('5') }, { '#d': 'doc', '#e': 'entries' })],
  ['a list element', when('parts[0] = :v', { ':v': S('x') })],
  ['a map inside a list', when('parts[2].deep = :v', { ':v': S('y') })],
  ['a list inside a list', when('parts[3][0] = :v', { ':v': S('z') })],
  ['an index past the end', when('attribute_exists(parts[9])')],
  ['a member of a string', when('attribute_exists(greeting.x)')],
  ['a member of a list', when('attribute_exists(parts.x)')],
  ['an index into a number', when('attribute_exists(answer[0])')],
  [
    'a reserved word behind a placeholder',
    when('doc.#i.flag = :v', { ':v': { BOOL: true } }, { '#i': 'inner' }),
  ],
  ['whitespace inside a path', when('parts [ 2 ] . deep = :v', { ':v': S('y') })],
];

const functions: [string, ParityCase][] = [
  ['attribute_exists, present', when('attribute_exists(greeting)')],
  ['attribute_exists, missing', when('attribute_exists(ghost)')],
  ['attribute_exists of BOOL false', when('attribute_exists(disabled)')],
  ['attribute_exists of an empty string', when('attribute_exists(blank)')],
  ['attribute_exists of NULL', when('attribute_exists(cleared)')],
  ['attribute_not_exists, missing', when('attribute_not_exists(ghost)')],
  ['attribute_not_exists of the key', when('attribute_not_exists(pk)')],
  ['begins_with, true', when('begins_with(greeting, :v)', { ':v': S('he') })],
  ['begins_with, false', when('begins_with(greeting, :v)', { ':v': S('lo') })],
  ['begins_with an empty prefix', when('begins_with(greeting, :v)', { ':v': S('') })],
  ['begins_with on a number', when('begins_with(answer, :v)', { ':v': S('4') })],
  ['begins_with on a missing attribute', when('begins_with(ghost, :v)', { ':v': S('he') })],
  ['size of a string', when('size(greeting) = :v', { ':v': N('5') })],
  ['size of a string in UTF-16 code units', when('size(accent) = :v', { ':v': N('5') })],
  ['size of binary', when('size(payload) = :v', { ':v': N('3') })],
  ['size of a set', when('size(tags) = :v', { ':v': N('2') })],
  ['size of a list', when('size(parts) >= :v', { ':v': N('4') })],
  ['size of a map', when('size(doc) = :v', { ':v': N('4') })],
  ['size of a missing attribute', when('size(ghost) = :v', { ':v': N('0') })],
  ['size of a missing attribute, <>', when('size(ghost) <> :v', { ':v': N('0') })],
  ['size on both sides', when('size(tags) < size(parts)')],
];

const ranges: [string, ParityCase][] = [
  ['BETWEEN, inside', when('answer BETWEEN :a AND :b', { ':a': N('40'), ':b': N('50') })],
  ['BETWEEN, below', when('answer BETWEEN :a AND :b', { ':a': N('43'), ':b': N('50') })],
  ['BETWEEN, on both bounds', when('answer BETWEEN :a AND :b', { ':a': N('42'), ':b': N('42') })],
  ['BETWEEN on strings', when('greeting BETWEEN :a AND :b', { ':a': S('a'), ':b': S('z') })],
  ['BETWEEN bounds of another type', when('answer BETWEEN :a AND :b', { ':a': S('1'), ':b': S('9') })],
  ['BETWEEN on a missing attribute', when('ghost BETWEEN :a AND :b', { ':a': N('1'), ':b': N('9') })],
  ['BETWEEN on a size', when('size(greeting) BETWEEN :a AND :b', { ':a': N('1'), ':b': N('5') })],
  ['IN, second value', when('greeting IN (:a, :b)', { ':a': S('bye'), ':b': S('hello') })],
  ['IN, no value', when('greeting IN (:a)', { ':a': S('bye') })],
  ['IN by type', when('answer IN (:a, :b)', { ':a': S('42'), ':b': N('42') })],
  ['IN on NULL', when('cleared IN (:a)', { ':a': { NULL: true } })],
  ['IN on a missing attribute', when('ghost IN (:a)', { ':a': S('hello') })],
];

const logic: [string, ParityCase][] = [
  ['NOT, true', when('NOT greeting = :v', { ':v': S('bye') })],
  ['NOT, false', when('NOT attribute_exists(greeting)')],
  ['AND binds tighter than OR', when('greeting = :a OR answer = :b AND enabled = :c', abc())],
  ['parentheses change it', when('(greeting = :a OR answer = :b) AND disabled = :c', abc())],
  ['NOT over parentheses', when('NOT (greeting = :v AND attribute_exists(answer))', { ':v': S('hello') })],
  ['AND, true', when('attribute_exists(greeting) AND attribute_exists(answer)')],
  ['OR, false', when('attribute_exists(ghost) OR attribute_exists(gone)')],
  ['keywords in any case', when('greeting = :v and not answer between :a AND :b', lowerCase())],
  ['tabs and newlines', when('greeting\t=\n:v', { ':v': S('hello') })],
  ['no whitespace at all', when('greeting=:v', { ':v': S('hello') })],
  ['a name that begins with a keyword', when('attribute_exists(index_in) OR attribute_exists(andrew)')],
];

const commits: [string, ParityCase][] = [
  ['a first commit on an absent record', absent('attribute_not_exists(pk)')],
  ['a first commit on a present record', when('attribute_not_exists(pk)')],
  ['a condition on an absent item', absent('greeting = :v', { ':v': S('hello') })],
  ['<> on an absent item', absent('greeting <> :v', { ':v': S('hello') })],
  [
    'the commit condition of a record without commitId',
    when(
      'attribute_not_exists(commitId) AND #seq = :s AND greeting = :g',
      {
        ':s': S('x'),
        ':g': S('hello'),
      },
      { '#seq': 'sequencer' },
    ),
  ],
];

function abc(): Record<string, AttributeValue> {
  return { ':a': S('bye'), ':b': N('42'), ':c': { BOOL: true } };
}

function lowerCase(): Record<string, AttributeValue> {
  return { ':v': S('hello'), ':a': N('1'), ':b': N('2') };
}

export const decidedCases = [...comparisons, ...paths, ...functions, ...ranges, ...logic, ...commits];

/** Valid expressions whose answer dynalite gives: outside the subset, or resting on a quirk of its own. */
export const declinedCases: [string, ParityCase][] = [
  ['contains (outside the subset)', when('contains(tags, :v)', { ':v': S('a') })],
  ['attribute_type (outside the subset)', when('attribute_type(greeting, :t)', { ':t': S('S') })],
  ['a value of a set type', when('tags = :v', { ':v': { SS: ['b', 'a'] } })],
  ['two lists of one value (dynalite compares them by identity)', when('parts = twin')],
  ['two missing attributes', when('ghost <= gone')],
  ['an index into a map', when('attribute_exists(doc[0])')],
  ['IN on BOOL false (dynalite: no)', when('disabled IN (:v)', { ':v': { BOOL: false } })],
  ['BETWEEN on an empty string', when('blank BETWEEN :a AND :b', { ':a': S(''), ':b': S('z') })],
  ['size of a number', when('size(answer) = :v', { ':v': N('2') })],
  ['size of an empty string', when('size(blank) = :v', { ':v': N('0') })],
  ['< on BOOL', when('disabled < :v', { ':v': { BOOL: true } })],
  ['parentheses around an operand', when('(greeting) = :v', { ':v': S('hello') })],
  ['begins_with with the value first', when('begins_with(:v, greeting)', { ':v': S('hello') })],
];

/** Expressions DynamoDB refuses; each must be answered with dynalite's own ValidationException. */
export const invalidCases: [string, ParityCase][] = [
  ['redundant parentheses', when('((greeting = :v))', { ':v': S('hello') })],
  ['an operand compared with itself', when('greeting = greeting')],
  ['a reserved word as a name', when('status = :v', { ':v': S('x') })],
  ['"missing", a reserved word too', when('attribute_exists(missing)')],
  ['a reserved word inside a path', when('doc.size = :v', { ':v': N('3') })],
  ['an undefined value', when('greeting = :nope', { ':v': S('hello') })],
  ['an unused value', when('greeting = :v', { ':v': S('hello'), ':spare': S('x') })],
  ['an undefined name', when('#nope = :v', { ':v': S('hello') })],
  ['an unused name', when('greeting = :v', { ':v': S('hello') }, { '#spare': 'x' })],
  ['an empty names map', when('greeting = :v', { ':v': S('hello') }, {})],
  ['BETWEEN bounds out of order', when('answer BETWEEN :a AND :b', { ':a': N('50'), ':b': N('40') })],
  ['BETWEEN bounds of two types', when('answer BETWEEN :a AND :b', { ':a': N('1'), ':b': S('9') })],
  ['begins_with a number', when('begins_with(greeting, :v)', { ':v': N('1') })],
  ['size() as a condition', when('size(greeting)')],
  ['attribute_exists of a value', when('attribute_exists(:v)', { ':v': S('x') })],
  ['a function name in capitals', when('ATTRIBUTE_EXISTS(greeting)')],
  ['an unknown function', when('exists(greeting)')],
  ['a dangling AND', when('greeting = :v AND', { ':v': S('hello') })],
  ['==', when('greeting == :v', { ':v': S('hello') })],
  ['NOT NOT', when('NOT NOT greeting = :v', { ':v': S('hello') })],
  ['a keyword glued to a placeholder', when('greeting = :v AND#g = :v', { ':v': S('hello') }, { '#g': 'x' })],
  ['an empty expression', when('')],
  ['a number that is none', when('answer = :v', { ':v': N('4x2') })],
  ['a number past 38 digits', when('answer = :v', { ':v': N('1'.repeat(39)) })],
  ['NULL false', when('cleared = :v', { ':v': { NULL: false } })],
];
