/**
 * CloudFormation's intrinsic functions, one small function each, over the resolver's scope
 * (AWS CloudFormation User Guide, "Intrinsic function reference").
 */
import { asList, asString, isRecord, TemplateError } from './cfn';
import type { LocalNaming } from './types';

export const noValue: unique symbol = Symbol('AWS::NoValue');

/** What an intrinsic function may ask of the resolver it runs in. */
export interface Scope {
  readonly naming: LocalNaming;
  readonly mappings: unknown;
  resolveValue(value: unknown, at: string): unknown;
  ref(name: string, at: string): unknown;
  getAtt(logicalId: string, attribute: string, at: string): string;
  condition(name: string, at: string): boolean;
  /** A condition expression: Fn::Equals/And/Or/Not, or {Condition: name}. */
  evaluate(expression: unknown, at: string): boolean;
}

type Intrinsic = (argument: unknown, here: string, scope: Scope) => unknown;

export const args = (value: unknown, count: number, name: string, at: string): readonly unknown[] => {
  if (Array.isArray(value) && value.length === count) return value;
  throw new TemplateError(at, `${name} takes a list of ${count} arguments, got ${JSON.stringify(value)}`);
};

export const scalarString = (value: unknown, at: string): string => {
  if (value === noValue) throw new TemplateError(at, 'AWS::NoValue cannot be used here');
  if (Array.isArray(value)) return value.map((item, index) => scalarString(item, `${at}.${index}`)).join(',');
  return asString(value, at);
};

/** CloudFormation compares values as strings: 1 equals "1", true equals "true". */
const comparable = (value: unknown): string =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

const resolvedString = (value: unknown, here: string, scope: Scope) =>
  scalarString(scope.resolveValue(value, here), here);

const resolvedList = (value: unknown, here: string, scope: Scope) =>
  asList(scope.resolveValue(value, here), here);

/** Fn::Sub: ${Name} is a variable, a Ref or a GetAtt (Name.Attribute); ${!Literal} stays as written. */
const substitute = (text: string, variables: Readonly<Record<string, unknown>>, at: string, scope: Scope) =>
  text.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (Object.hasOwn(variables, name)) return resolvedString(variables[name], at, scope);
    if (name.startsWith('AWS::') || !name.includes('.')) return scalarString(scope.ref(name, at), at);
    const dot = name.indexOf('.');
    return scope.getAtt(name.slice(0, dot), name.slice(dot + 1), at);
  });

const getAtt: Intrinsic = (argument, here, scope) => {
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    if (dot <= 0) throw new TemplateError(here, `expected "LogicalId.Attribute", got "${argument}"`);
    return scope.getAtt(argument.slice(0, dot), argument.slice(dot + 1), here);
  }
  const [logicalId, attribute] = args(argument, 2, 'Fn::GetAtt', here);
  return scope.getAtt(asString(logicalId, here), resolvedString(attribute, here, scope), here);
};

const sub: Intrinsic = (argument, here, scope) => {
  if (typeof argument === 'string') return substitute(argument, {}, here, scope);
  const [text, variables] = args(argument, 2, 'Fn::Sub', here);
  if (!isRecord(variables)) throw new TemplateError(here, 'Fn::Sub variables must be an object');
  return substitute(asString(text, here), variables, here, scope);
};

const select: Intrinsic = (argument, here, scope) => {
  const [index, items] = args(argument, 2, 'Fn::Select', here);
  const position = Number(resolvedString(index, here, scope));
  const list = resolvedList(items, here, scope);
  if (!Number.isInteger(position) || position < 0 || position >= list.length) {
    throw new TemplateError(here, `index ${position} is out of range for a list of ${list.length}`);
  }
  return list[position];
};

const findInMap: Intrinsic = (argument, here, scope) => {
  const [map, first, second] = args(argument, 3, 'Fn::FindInMap', here).map((item) =>
    resolvedString(item, here, scope),
  );
  const found = [map, first, second].reduce<unknown>(
    (node, key) => (isRecord(node) && key !== undefined ? node[key] : undefined),
    scope.mappings,
  );
  if (found === undefined) throw new TemplateError(here, `no mapping entry ${map}.${first}.${second}`);
  return found;
};

const conditionFunctions: Readonly<Record<string, Intrinsic>> = {
  'Fn::If': (argument, here, scope) => {
    const [conditionName, whenTrue, whenFalse] = args(argument, 3, 'Fn::If', here);
    return scope.resolveValue(
      scope.condition(asString(conditionName, here), here) ? whenTrue : whenFalse,
      here,
    );
  },
  'Fn::Equals': (argument, here, scope) => {
    const [left, right] = args(argument, 2, 'Fn::Equals', here);
    return (
      comparable(scope.resolveValue(left, `${here}.0`)) === comparable(scope.resolveValue(right, `${here}.1`))
    );
  },
  'Fn::Not': (argument, here, scope) => !scope.evaluate(args(argument, 1, 'Fn::Not', here)[0], `${here}.0`),
  'Fn::And': (argument, here, scope) =>
    asList(argument, here).every((item, index) => scope.evaluate(item, `${here}.${index}`)),
  'Fn::Or': (argument, here, scope) =>
    asList(argument, here).some((item, index) => scope.evaluate(item, `${here}.${index}`)),
};

const listFunctions: Readonly<Record<string, Intrinsic>> = {
  'Fn::Join': (argument, here, scope) => {
    const [delimiter, items] = args(argument, 2, 'Fn::Join', here);
    const list = resolvedList(items, here, scope);
    return list.map((item, index) => scalarString(item, `${here}.${index}`)).join(asString(delimiter, here));
  },
  'Fn::Select': select,
  'Fn::Split': (argument, here, scope) => {
    const [delimiter, source] = args(argument, 2, 'Fn::Split', here);
    return resolvedString(source, here, scope).split(asString(delimiter, here));
  },
  'Fn::Contains': (argument, here, scope) => {
    const [items, item] = args(argument, 2, 'Fn::Contains', here);
    const needle = comparable(scope.resolveValue(item, here));
    return resolvedList(items, here, scope).some((entry) => comparable(entry) === needle);
  },
  'Fn::Length': (argument, here, scope) => resolvedList(argument, here, scope).length,
};

/** Every intrinsic function the resolver answers, by name. */
export const intrinsicFunctions: Readonly<Record<string, Intrinsic>> = {
  Ref: (argument, here, scope) => scope.ref(asString(argument, here), here),
  'Fn::GetAtt': getAtt,
  'Fn::Sub': sub,
  ...listFunctions,
  ...conditionFunctions,
  'Fn::GetAZs': (argument, here, scope) => {
    const region = resolvedString(argument, here, scope) || scope.naming.region;
    return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
  },
  'Fn::Base64': (argument, here, scope) =>
    Buffer.from(resolvedString(argument, here, scope)).toString('base64'),
  'Fn::FindInMap': findInMap,
  'Fn::ToJsonString': (argument, here, scope) => JSON.stringify(scope.resolveValue(argument, here)),
  // Exports of other stacks do not exist locally; a stable stand-in keeps the template usable.
  'Fn::ImportValue': (argument, here, scope) => `local:import:${resolvedString(argument, here, scope)}`,
};
