/** Buckets, and their event notifications from either place a template can configure them. */
import { asList, asRecord, asString, asStringList, propertyPath, TemplateError } from './cfn';
import type { ReadContext, TemplateResource } from './context';
import type { BucketNotificationSpec, BucketSpec, NotificationFilter } from './types';

export const readBucket = (context: ReadContext, { logicalId }: TemplateResource): BucketSpec => {
  const local = context.resolver.local(logicalId);
  const at = propertyPath(logicalId, 'VersioningConfiguration');
  const versioning = asRecord(context.resolver.property(logicalId, 'VersioningConfiguration'), at);
  return {
    logicalId,
    name: asString(local.name, `Resources.${logicalId}`),
    arn: asString(local.attributes.Arn, `Resources.${logicalId}`),
    // A versioned bucket changes the events S3 sends for a delete: the consumers must see them.
    versioned: versioning.Status === 'Enabled',
  };
};

type Destination = BucketNotificationSpec['destinationType'];

/** Where the two forms keep each kind of destination: [list key, ARN key]. */
interface NotificationForm {
  readonly lists: Readonly<Record<Destination, readonly [string, string]>>;
  /** The path from a configuration entry to its filter rules. */
  readonly rulesPath: readonly [string, string, string];
}

/** AWS::S3::Bucket's NotificationConfiguration property. */
const propertyForm: NotificationForm = {
  lists: {
    topic: ['TopicConfigurations', 'Topic'],
    queue: ['QueueConfigurations', 'Queue'],
    function: ['LambdaConfigurations', 'Function'],
  },
  rulesPath: ['Filter', 'S3Key', 'Rules'],
};

/** CDK's Custom::S3BucketNotifications, which passes the S3 API's PutBucketNotificationConfiguration shape. */
const apiForm: NotificationForm = {
  lists: {
    topic: ['TopicConfigurations', 'TopicArn'],
    queue: ['QueueConfigurations', 'QueueArn'],
    function: ['LambdaFunctionConfigurations', 'LambdaFunctionArn'],
  },
  rulesPath: ['Filter', 'Key', 'FilterRules'],
};

const readFilter = (
  entry: Readonly<Record<string, unknown>>,
  form: NotificationForm,
  at: string,
): NotificationFilter => {
  const [outer, inner, list] = form.rulesPath;
  const rulesAt = `${at}.${form.rulesPath.join('.')}`;
  const rules = asList(asRecord(asRecord(entry[outer], at)[inner], at)[list], rulesAt);
  const filter: { prefix?: string; suffix?: string } = {};
  rules.forEach((rule, index) => {
    const ruleAt = `${rulesAt}.${index}`;
    const fields = asRecord(rule, ruleAt);
    const name = asString(fields.Name, `${ruleAt}.Name`).toLowerCase();
    if (name !== 'prefix' && name !== 'suffix') {
      throw new TemplateError(
        `${ruleAt}.Name`,
        `filter rule names are prefix or suffix, got "${fields.Name}"`,
      );
    }
    filter[name] = asString(fields.Value, `${ruleAt}.Value`);
  });
  return filter;
};

const readConfiguration = (
  configuration: Readonly<Record<string, unknown>>,
  form: NotificationForm,
  bucket: string,
  origin: { readonly source: string; readonly idPrefix: string },
  at: string,
): BucketNotificationSpec[] =>
  (Object.entries(form.lists) as [Destination, readonly [string, string]][]).flatMap(
    ([destinationType, [listKey, arnKey]]) =>
      asList(configuration[listKey], `${at}.${listKey}`).map((item, index) => {
        const entryAt = `${at}.${listKey}.${index}`;
        const entry = asRecord(item, entryAt);
        // The property form has one Event per entry, the API form an Events list.
        const events =
          entry.Events !== undefined
            ? asStringList(entry.Events, `${entryAt}.Events`)
            : [asString(entry.Event, `${entryAt}.Event`)];
        return {
          bucket,
          id:
            entry.Id === undefined
              ? `${origin.idPrefix}.${listKey}.${index}`
              : asString(entry.Id, `${entryAt}.Id`),
          destinationType,
          destinationArn: asString(entry[arnKey], `${entryAt}.${arnKey}`),
          events,
          filter: readFilter(entry, form, entryAt),
          source: origin.source,
        };
      }),
  );

const warnAboutEventBridge = (
  context: ReadContext,
  configuration: Readonly<Record<string, unknown>>,
  source: string,
) => {
  if (configuration.EventBridgeConfiguration !== undefined) {
    context.warnings.push(
      `${source} sends S3 events to EventBridge, which the local runtime does not emulate; those events will not be delivered`,
    );
  }
};

/** Notifications set by the bucket's own NotificationConfiguration property. */
export const readBucketNotifications = (
  context: ReadContext,
  { logicalId }: TemplateResource,
): BucketNotificationSpec[] => {
  const bucketName = asString(context.resolver.local(logicalId).name, `Resources.${logicalId}`);
  const at = propertyPath(logicalId, 'NotificationConfiguration');
  const configuration = asRecord(context.resolver.property(logicalId, 'NotificationConfiguration'), at);
  const source = `${logicalId}.NotificationConfiguration`;
  warnAboutEventBridge(context, configuration, source);
  return readConfiguration(configuration, propertyForm, bucketName, { source, idPrefix: logicalId }, at);
};

/** Notifications set by CDK's Custom::S3BucketNotifications resource. */
export const readCustomNotifications = (
  context: ReadContext,
  { logicalId, resource }: TemplateResource,
  bucketNames: ReadonlySet<string>,
): BucketNotificationSpec[] => {
  const bucket = asString(
    context.resolver.property(logicalId, 'BucketName'),
    propertyPath(logicalId, 'BucketName'),
  );
  const at = propertyPath(logicalId, 'NotificationConfiguration');
  const configuration = asRecord(context.resolver.property(logicalId, 'NotificationConfiguration'), at);
  const source = `${logicalId} (${resource.Type})`;
  if (!bucketNames.has(bucket)) {
    context.warnings.push(
      `${source} configures notifications of bucket "${bucket}", which this stack does not define; they apply only if that bucket exists locally`,
    );
  }
  warnAboutEventBridge(context, configuration, source);
  return readConfiguration(configuration, apiForm, bucket, { source, idPrefix: logicalId }, at);
};
