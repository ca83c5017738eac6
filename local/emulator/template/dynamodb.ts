/** DynamoDB tables: keys, secondary indexes and time to live. */
import { asBoolean, asList, asRecord, asString, asStringList, propertyPath, TemplateError } from './cfn';
import type { ReadContext, TemplateResource } from './context';
import type { KeySchemaElement, TableSpec } from './types';

const oneOf = <T extends string>(value: unknown, allowed: readonly T[], at: string): T => {
  const text = asString(value, at);
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new TemplateError(at, `expected one of ${allowed.join(', ')}, got "${text}"`);
};

const keySchema = (value: unknown, at: string): KeySchemaElement[] =>
  asList(value, at).map((item, index) => {
    const element = asRecord(item, `${at}.${index}`);
    return {
      AttributeName: asString(element.AttributeName, `${at}.${index}.AttributeName`),
      KeyType: oneOf(element.KeyType, ['HASH', 'RANGE'], `${at}.${index}.KeyType`),
    };
  });

const projection = (
  value: unknown,
  at: string,
): TableSpec['globalSecondaryIndexes'][number]['Projection'] => {
  const fields = asRecord(value, at);
  return {
    ...(fields.ProjectionType === undefined
      ? {}
      : { ProjectionType: asString(fields.ProjectionType, `${at}.ProjectionType`) }),
    ...(fields.NonKeyAttributes === undefined
      ? {}
      : { NonKeyAttributes: asStringList(fields.NonKeyAttributes, `${at}.NonKeyAttributes`) }),
  };
};

const indexes = (value: unknown, at: string): TableSpec['globalSecondaryIndexes'] =>
  asList(value, at).map((item, index) => {
    const indexAt = `${at}.${index}`;
    const fields = asRecord(item, indexAt);
    return {
      IndexName: asString(fields.IndexName, `${indexAt}.IndexName`),
      KeySchema: keySchema(fields.KeySchema, `${indexAt}.KeySchema`),
      Projection: projection(fields.Projection, `${indexAt}.Projection`),
    };
  });

export const readTable = (context: ReadContext, { logicalId }: TemplateResource): TableSpec => {
  const { resolver } = context;
  const local = resolver.local(logicalId);
  const read = (property: string) => resolver.property(logicalId, property);
  const at = (property: string) => propertyPath(logicalId, property);
  const ttl = asRecord(read('TimeToLiveSpecification'), at('TimeToLiveSpecification'));
  const ttlEnabled = asBoolean(ttl.Enabled, `${at('TimeToLiveSpecification')}.Enabled`, false);
  return {
    logicalId,
    name: asString(local.name, `Resources.${logicalId}`),
    arn: asString(local.attributes.Arn, `Resources.${logicalId}`),
    attributeDefinitions: asList(read('AttributeDefinitions'), at('AttributeDefinitions')).map(
      (item, index) => {
        const definitionAt = `${at('AttributeDefinitions')}.${index}`;
        const definition = asRecord(item, definitionAt);
        return {
          AttributeName: asString(definition.AttributeName, `${definitionAt}.AttributeName`),
          AttributeType: oneOf(definition.AttributeType, ['S', 'N', 'B'], `${definitionAt}.AttributeType`),
        };
      },
    ),
    keySchema: keySchema(read('KeySchema'), at('KeySchema')),
    globalSecondaryIndexes: indexes(read('GlobalSecondaryIndexes'), at('GlobalSecondaryIndexes')),
    localSecondaryIndexes: indexes(read('LocalSecondaryIndexes'), at('LocalSecondaryIndexes')),
    ...(ttlEnabled
      ? { timeToLiveAttribute: asString(ttl.AttributeName, `${at('TimeToLiveSpecification')}.AttributeName`) }
      : {}),
  };
};
