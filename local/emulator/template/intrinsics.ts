/**
 * Resolves CloudFormation intrinsic functions, conditions, parameters and pseudo parameters, with
 * `Ref`/`Fn::GetAtt` of resources answered by their local names (see names.ts).
 */
import { asList, asString, type CfnTemplate, intrinsicName, isRecord, TemplateError } from './cfn';
import { describeResource, type LocalResource, placeholderAttribute, stableUuid, urlSuffix } from './names';
import type { LocalNaming } from './types';

export interface ResolverOptions {
  /** Values for template parameters, over their Default. */
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface Resolver {
  /**
   * The value with every intrinsic resolved. `AWS::NoValue` removes the key or list item it stands
   * for; a value that is `AWS::NoValue` itself resolves to undefined. `at` names the value in errors.
   */
  resolve(value: unknown, at: string): unknown;
  /** A resource property, resolved; undefined when absent. */
  property(logicalId: string, property: string): unknown;
  /** The local identity of a resource of the template. */
  local(logicalId: string): LocalResource;
  /** Whether a named template condition holds. */
  condition(name: string, at: string): boolean;
}

const noValue: unique symbol = Symbol('AWS::NoValue');
type Resolved = unknown;

const args = (value: unknown, count: number, name: string, at: string): readonly unknown[] => {
  if (Array.isArray(value) && value.length === count) return value;
  throw new TemplateError(at, `${name} takes a list of ${count} arguments, got ${JSON.stringify(value)}`);
};

const scalarString = (value: unknown, at: string): string => {
  if (value === noValue) throw new TemplateError(at, 'AWS::NoValue cannot be used here');
  if (Array.isArray(value)) return value.map((item, index) => scalarString(item, `${at}.${index}`)).join(',');
  return asString(value, at);
};

/** CloudFormation compares values as strings: 1 equals "1", true equals "true". */
const comparable = (value: unknown): string =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

export const createResolver = (
  template: CfnTemplate,
  naming: LocalNaming,
  options: ResolverOptions = {},
): Resolver => {
  const resources = template.Resources ?? {};
  const parameters = template.Parameters ?? {};
  // Own keys only: a Ref to "constructor" must not find Object.prototype's.
  const resourceOf = (logicalId: string) =>
    Object.hasOwn(resources, logicalId) ? resources[logicalId] : undefined;
  const conditions = template.Conditions ?? {};
  const locals = new Map<string, LocalResource | 'pending'>();
  const conditionValues = new Map<string, boolean | 'pending'>();

  const pseudo: Readonly<Record<string, unknown>> = {
    'AWS::Region': naming.region,
    'AWS::AccountId': naming.accountId,
    'AWS::Partition': naming.partition,
    'AWS::URLSuffix': urlSuffix(naming.partition),
    'AWS::StackName': naming.stackName,
    'AWS::StackId': `arn:${naming.partition}:cloudformation:${naming.region}:${naming.accountId}:stack/${naming.stackName}/${stableUuid(naming.stackName)}`,
    'AWS::NotificationARNs': [],
    'AWS::NoValue': noValue,
  };

  const resourceAt = (logicalId: string) => `Resources.${logicalId}`;

  const local = (logicalId: string): LocalResource => {
    const resource = resourceOf(logicalId);
    if (!resource) throw new TemplateError(resourceAt(logicalId), 'no such resource');
    const known = locals.get(logicalId);
    if (known === 'pending') {
      throw new TemplateError(resourceAt(logicalId), 'its name depends on itself (circular reference)');
    }
    if (known) return known;
    locals.set(logicalId, 'pending');
    try {
      const described = describeResource(resource.Type, logicalId, naming, (property) =>
        readProperty(logicalId, property),
      );
      locals.set(logicalId, described);
      return described;
    } catch (error) {
      locals.delete(logicalId);
      throw error;
    }
  };

  const parameterValue = (name: string, at: string): unknown => {
    const parameter = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
    if (!parameter) return undefined;
    const value = options.parameters?.[name] ?? parameter.Default;
    if (value === undefined) {
      throw new TemplateError(at, `parameter "${name}" has no Default and no value was given`);
    }
    const type = parameter.Type ?? 'String';
    const isList = type === 'CommaDelimitedList' || type.startsWith('List<');
    return isList && typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;
  };

  const ref = (name: string, at: string): unknown => {
    if (Object.hasOwn(pseudo, name)) return pseudo[name];
    if (name.startsWith('AWS::')) throw new TemplateError(at, `unknown pseudo parameter "${name}"`);
    const parameter = parameterValue(name, at);
    if (parameter !== undefined) return parameter;
    if (!resourceOf(name)) throw new TemplateError(at, `Ref to "${name}", which is no resource or parameter`);
    return local(name).ref;
  };

  const getAtt = (logicalId: string, attribute: string, at: string): string => {
    const resource = resourceOf(logicalId);
    if (!resource) {
      throw new TemplateError(at, `Fn::GetAtt of "${logicalId}.${attribute}", which is no resource`);
    }
    return (
      local(logicalId).attributes[attribute] ??
      placeholderAttribute(resource.Type, logicalId, attribute, naming)
    );
  };

  const condition = (name: string, at: string): boolean => {
    const known = conditionValues.get(name);
    if (known === 'pending') throw new TemplateError(`Conditions.${name}`, 'the condition depends on itself');
    if (known !== undefined) return known;
    if (!Object.hasOwn(conditions, name)) throw new TemplateError(at, `no condition named "${name}"`);
    conditionValues.set(name, 'pending');
    try {
      const value = evaluate(conditions[name], `Conditions.${name}`);
      conditionValues.set(name, value);
      return value;
    } catch (error) {
      conditionValues.delete(name);
      throw error;
    }
  };

  /** A condition expression: Fn::Equals/And/Or/Not, or {Condition: name}. */
  const evaluate = (expression: unknown, at: string): boolean => {
    if (isRecord(expression) && Object.keys(expression).length === 1 && 'Condition' in expression) {
      return condition(asString(expression.Condition, `${at}.Condition`), at);
    }
    const value = resolveValue(expression, at);
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new TemplateError(at, `expected a condition, got ${JSON.stringify(value)}`);
  };

  const substitute = (text: string, variables: Readonly<Record<string, unknown>>, at: string): string =>
    text.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      if (Object.hasOwn(variables, name)) return scalarString(resolveValue(variables[name], at), at);
      if (name.startsWith('AWS::') || !name.includes('.')) return scalarString(ref(name, at), at);
      const dot = name.indexOf('.');
      return getAtt(name.slice(0, dot), name.slice(dot + 1), at);
    });

  const intrinsic = (name: string, argument: unknown, at: string): Resolved => {
    const here = `${at}.${name}`;
    switch (name) {
      case 'Ref':
        return ref(asString(argument, here), here);
      case 'Fn::GetAtt': {
        if (typeof argument === 'string') {
          const dot = argument.indexOf('.');
          if (dot <= 0) throw new TemplateError(here, `expected "LogicalId.Attribute", got "${argument}"`);
          return getAtt(argument.slice(0, dot), argument.slice(dot + 1), here);
        }
        const [logicalId, attribute] = args(argument, 2, name, here);
        return getAtt(asString(logicalId, here), scalarString(resolveValue(attribute, here), here), here);
      }
      case 'Fn::Sub': {
        if (typeof argument === 'string') return substitute(argument, {}, here);
        const [text, variables] = args(argument, 2, name, here);
        if (!isRecord(variables)) throw new TemplateError(here, 'Fn::Sub variables must be an object');
        return substitute(asString(text, here), variables, here);
      }
      case 'Fn::Join': {
        const [delimiter, items] = args(argument, 2, name, here);
        const list = asList(resolveValue(items, here), here);
        return list
          .map((item, index) => scalarString(item, `${here}.${index}`))
          .join(asString(delimiter, here));
      }
      case 'Fn::Select': {
        const [index, items] = args(argument, 2, name, here);
        const position = Number(scalarString(resolveValue(index, here), here));
        const list = asList(resolveValue(items, here), here);
        if (!Number.isInteger(position) || position < 0 || position >= list.length) {
          throw new TemplateError(here, `index ${position} is out of range for a list of ${list.length}`);
        }
        return list[position];
      }
      case 'Fn::Split': {
        const [delimiter, source] = args(argument, 2, name, here);
        return scalarString(resolveValue(source, here), here).split(asString(delimiter, here));
      }
      case 'Fn::If': {
        const [conditionName, whenTrue, whenFalse] = args(argument, 3, name, here);
        return resolveValue(condition(asString(conditionName, here), here) ? whenTrue : whenFalse, here);
      }
      case 'Fn::Equals': {
        const [left, right] = args(argument, 2, name, here);
        return comparable(resolveValue(left, `${here}.0`)) === comparable(resolveValue(right, `${here}.1`));
      }
      case 'Fn::Not':
        return !evaluate(args(argument, 1, name, here)[0], `${here}.0`);
      case 'Fn::And':
        return asList(argument, here).every((item, index) => evaluate(item, `${here}.${index}`));
      case 'Fn::Or':
        return asList(argument, here).some((item, index) => evaluate(item, `${here}.${index}`));
      case 'Fn::GetAZs': {
        const region = scalarString(resolveValue(argument, here), here) || naming.region;
        return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
      }
      case 'Fn::Base64':
        return Buffer.from(scalarString(resolveValue(argument, here), here)).toString('base64');
      case 'Fn::FindInMap': {
        const [map, first, second] = args(argument, 3, name, here).map((item) =>
          scalarString(resolveValue(item, here), here),
        );
        const found = [map, first, second].reduce<unknown>(
          (node, key) => (isRecord(node) && key !== undefined ? node[key] : undefined),
          template.Mappings,
        );
        if (found === undefined) throw new TemplateError(here, `no mapping entry ${map}.${first}.${second}`);
        return found;
      }
      case 'Fn::Contains': {
        const [items, item] = args(argument, 2, name, here);
        const needle = comparable(resolveValue(item, here));
        return asList(resolveValue(items, here), here).some((entry) => comparable(entry) === needle);
      }
      case 'Fn::Length':
        return asList(resolveValue(argument, here), here).length;
      case 'Fn::ToJsonString':
        return JSON.stringify(resolveValue(argument, here));
      case 'Fn::ImportValue':
        // Exports of other stacks do not exist locally; a stable stand-in keeps the template usable.
        return `local:import:${scalarString(resolveValue(argument, here), here)}`;
      default:
        throw new TemplateError(at, `unknown or unsupported intrinsic function ${name}`);
    }
  };

  const resolveValue = (value: unknown, at: string): Resolved => {
    if (Array.isArray(value)) {
      return value
        .map((item, index) => resolveValue(item, `${at}.${index}`))
        .filter((item) => item !== noValue);
    }
    if (!isRecord(value)) return value;
    const name = intrinsicName(value);
    if (name) return intrinsic(name, value[name], at);
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveValue(item, `${at}.${key}`);
      if (resolved !== noValue) result[key] = resolved;
    }
    return result;
  };

  const resolve = (value: unknown, at: string): unknown => {
    const resolved = resolveValue(value, at);
    return resolved === noValue ? undefined : resolved;
  };

  function readProperty(logicalId: string, property: string): unknown {
    const value = resourceOf(logicalId)?.Properties?.[property];
    return resolve(value, `${resourceAt(logicalId)}.Properties.${property}`);
  }

  return { resolve, property: readProperty, local, condition };
};
