/**
 * SNS subscriptions with protocol `lambda`. Neither emulator invokes a function, so the runtime
 * subscribes a queue of its own to the topic in the subscription's place (same filter policy, SNS's
 * envelope kept) and turns each message back into the event SNS gives a function: one record under
 * `Records[].Sns`, shaped as in "Invoking Lambda functions with Amazon SNS notifications" (Lambda
 * Developer Guide).
 */
import { createHash } from 'node:crypto';
import type { SNSEventRecord, SNSMessage, SNSMessageAttributes } from 'aws-lambda';
import type { SubscriptionSpec } from '../template';

/** Subscription attributes that still mean something on the stand-in queue's subscription. */
const keptAttributes = ['FilterPolicy', 'FilterPolicyScope'] as const;

/** A queue name (80 characters at most) that says what it stands for and stays unique per subscription. */
export function standInQueueName(stackName: string, subscription: SubscriptionSpec): string {
  const hash = createHash('sha256')
    .update(`${stackName}/${subscription.logicalId}`)
    .digest('hex')
    .slice(0, 8);
  const readable = `${stackName}-${subscription.logicalId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60);
  return `${readable}-sns-lambda-${hash}`;
}

/** Attributes for the stand-in queue's subscription: the envelope kept, the filter policy carried over. */
export function standInSubscriptionAttributes(subscription: SubscriptionSpec): Record<string, string> {
  const attributes: Record<string, string> = { RawMessageDelivery: 'false' };
  for (const name of keptAttributes) {
    const value = subscription.attributes[name];
    if (value !== undefined) attributes[name] = value;
  }
  return attributes;
}

interface Envelope {
  readonly Type?: string;
  readonly MessageId?: string;
  readonly TopicArn?: string;
  readonly Subject?: string | null;
  readonly Message?: string;
  readonly Timestamp?: string;
  readonly SignatureVersion?: string;
  readonly Signature?: string;
  readonly SigningCertURL?: string;
  readonly UnsubscribeURL?: string;
  readonly MessageAttributes?: SNSMessageAttributes;
}

/** A queue message that is not an SNS envelope: the stand-in queue received something else. */
export class NotAnSnsEnvelopeError extends Error {
  override readonly name = 'NotAnSnsEnvelopeError';
}

/** SNS sends `"Subject": null` when a message has none. */
export interface SnsLambdaEvent {
  readonly Records: readonly (Omit<SNSEventRecord, 'Sns'> & {
    readonly Sns: Omit<SNSMessage, 'Subject'> & { readonly Subject: string | null };
  })[];
}

/** The event SNS invokes a function with, from the envelope SNS put on the stand-in queue. */
export function snsEventOf(body: string, subscriptionArn: string): SnsLambdaEvent {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(body) as Envelope;
  } catch {
    throw new NotAnSnsEnvelopeError(`not JSON: ${body.slice(0, 80)}`);
  }
  if (envelope.Type !== 'Notification' || typeof envelope.Message !== 'string') {
    throw new NotAnSnsEnvelopeError(`not an SNS notification: ${body.slice(0, 80)}`);
  }
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: envelope.SignatureVersion ?? '1',
          Timestamp: envelope.Timestamp ?? new Date().toISOString(),
          Signature: envelope.Signature ?? '',
          // The event spells these two "Url", the envelope "URL".
          SigningCertUrl: envelope.SigningCertURL ?? '',
          MessageId: envelope.MessageId ?? '',
          Message: envelope.Message,
          MessageAttributes: envelope.MessageAttributes ?? {},
          Type: 'Notification',
          UnsubscribeUrl: envelope.UnsubscribeURL ?? '',
          TopicArn: envelope.TopicArn ?? '',
          Subject: envelope.Subject ?? null,
        },
      },
    ],
  };
}
