/**
 * Resolves CloudFormation intrinsic functions, conditions, parameters and pseudo parameters, with
 * `Ref`/`Fn::GetAtt` of resources answered by their local names (see names.ts).
 */
import { asString, type CfnTemplate, intrinsicName, isRecord, TemplateError } from './cfn';
import { intrinsicFunctions, noValue, type Scope } from './intrinsic-functions';
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

const pseudoParameters = (naming: LocalNaming): Readonly<Record<string, unknown>> => ({
  'AWS::Region': naming.region,
  'AWS::AccountId': naming.accountId,
  'AWS::Partition': naming.partition,
  'AWS::URLSuffix': urlSuffix(naming.partition),
  'AWS::StackName': naming.stackName,
  'AWS::StackId': `arn:${naming.partition}:cloudformation:${naming.region}:${naming.accountId}:stack/${naming.stackName}/${stableUuid(naming.stackName)}`,
  'AWS::NotificationARNs': [],
  'AWS::NoValue': noValue,
});

const resourceAt = (logicalId: string) => `Resources.${logicalId}`;

/** Resolves values of one template; names and conditions are worked out once, on first use. */
class TemplateResolver implements Resolver, Scope {
  readonly mappings: unknown;
  private readonly pseudo: Readonly<Record<string, unknown>>;
  private readonly locals = new Map<string, LocalResource | 'pending'>();
  private readonly conditionValues = new Map<string, boolean | 'pending'>();

  constructor(
    private readonly template: CfnTemplate,
    readonly naming: LocalNaming,
    private readonly options: ResolverOptions,
  ) {
    this.mappings = template.Mappings;
    this.pseudo = pseudoParameters(naming);
  }

  resolve(value: unknown, at: string): unknown {
    const resolved = this.resolveValue(value, at);
    return resolved === noValue ? undefined : resolved;
  }

  property(logicalId: string, property: string): unknown {
    const value = this.resourceOf(logicalId)?.Properties?.[property];
    return this.resolve(value, `${resourceAt(logicalId)}.Properties.${property}`);
  }

  local(logicalId: string): LocalResource {
    const resource = this.resourceOf(logicalId);
    if (!resource) throw new TemplateError(resourceAt(logicalId), 'no such resource');
    const known = this.locals.get(logicalId);
    if (known === 'pending') {
      throw new TemplateError(resourceAt(logicalId), 'its name depends on itself (circular reference)');
    }
    if (known) return known;
    this.locals.set(logicalId, 'pending');
    try {
      const read = (property: string) => this.property(logicalId, property);
      const described = describeResource(resource.Type, logicalId, this.naming, read);
      this.locals.set(logicalId, described);
      return described;
    } catch (error) {
      this.locals.delete(logicalId);
      throw error;
    }
  }

  condition(name: string, at: string): boolean {
    const known = this.conditionValues.get(name);
    if (known === 'pending') throw new TemplateError(`Conditions.${name}`, 'the condition depends on itself');
    if (known !== undefined) return known;
    const conditions = this.template.Conditions ?? {};
    if (!Object.hasOwn(conditions, name)) throw new TemplateError(at, `no condition named "${name}"`);
    this.conditionValues.set(name, 'pending');
    try {
      const value = this.evaluate(conditions[name], `Conditions.${name}`);
      this.conditionValues.set(name, value);
      return value;
    } catch (error) {
      this.conditionValues.delete(name);
      throw error;
    }
  }

  evaluate(expression: unknown, at: string): boolean {
    if (isRecord(expression) && Object.keys(expression).length === 1 && 'Condition' in expression) {
      return this.condition(asString(expression.Condition, `${at}.Condition`), at);
    }
    const value = this.resolveValue(expression, at);
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new TemplateError(at, `expected a condition, got ${JSON.stringify(value)}`);
  }

  ref(name: string, at: string): unknown {
    if (Object.hasOwn(this.pseudo, name)) return this.pseudo[name];
    if (name.startsWith('AWS::')) throw new TemplateError(at, `unknown pseudo parameter "${name}"`);
    const parameter = this.parameterValue(name, at);
    if (parameter !== undefined) return parameter;
    if (!this.resourceOf(name))
      throw new TemplateError(at, `Ref to "${name}", which is no resource or parameter`);
    return this.local(name).ref;
  }

  getAtt(logicalId: string, attribute: string, at: string): string {
    const resource = this.resourceOf(logicalId);
    if (!resource) {
      throw new TemplateError(at, `Fn::GetAtt of "${logicalId}.${attribute}", which is no resource`);
    }
    return (
      this.local(logicalId).attributes[attribute] ??
      placeholderAttribute(resource.Type, logicalId, attribute, this.naming)
    );
  }

  resolveValue(value: unknown, at: string): unknown {
    if (Array.isArray(value)) {
      return value
        .map((item, index) => this.resolveValue(item, `${at}.${index}`))
        .filter((item) => item !== noValue);
    }
    if (!isRecord(value)) return value;
    const name = intrinsicName(value);
    if (name) {
      const intrinsic = intrinsicFunctions[name];
      if (!Object.hasOwn(intrinsicFunctions, name) || intrinsic === undefined) {
        throw new TemplateError(at, `unknown or unsupported intrinsic function ${name}`);
      }
      return intrinsic(value[name], `${at}.${name}`, this);
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = this.resolveValue(item, `${at}.${key}`);
      if (resolved !== noValue) result[key] = resolved;
    }
    return result;
  }

  // Own keys only: a Ref to "constructor" must not find Object.prototype's.
  private resourceOf(logicalId: string) {
    const resources = this.template.Resources ?? {};
    return Object.hasOwn(resources, logicalId) ? resources[logicalId] : undefined;
  }

  private parameterValue(name: string, at: string): unknown {
    const parameters = this.template.Parameters ?? {};
    const parameter = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
    if (!parameter) return undefined;
    const value = this.options.parameters?.[name] ?? parameter.Default;
    if (value === undefined) {
      throw new TemplateError(at, `parameter "${name}" has no Default and no value was given`);
    }
    const type = parameter.Type ?? 'String';
    const isList = type === 'CommaDelimitedList' || type.startsWith('List<');
    return isList && typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;
  }
}

export const createResolver = (
  template: CfnTemplate,
  naming: LocalNaming,
  options: ResolverOptions = {},
): Resolver => new TemplateResolver(template, naming, options);
