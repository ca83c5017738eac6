import { createHash } from 'node:crypto';
import type { SnsStoreLike, SqsMessageLike } from './fauxqs-internals';
import { CurrentContext } from './request-context';

interface Publication {
  readonly messageId: string;
  readonly topicArn: string;
  /** SNS's sequence number for a message of a FIFO topic. */
  readonly sequenceNumber?: string;
}

interface FauxqsEnvelope {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string | null;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: string;
  readonly Signature: string;
  readonly SigningCertURL: string;
  readonly UnsubscribeURL: string;
  readonly MessageAttributes?: Record<string, unknown>;
}

/**
 * The envelope as AWS writes it ("Amazon SNS message and JSON formats"): no Subject when none was
 * given, no MessageAttributes when there are none; a FIFO topic's has a SequenceNumber and no
 * signature fields ("Message ordering details for FIFO topics"). Fields in AWS's order.
 */
const awsEnvelope = (envelope: FauxqsEnvelope, publication: Publication) => {
  const fifo = publication.sequenceNumber !== undefined;
  const attributes = envelope.MessageAttributes ?? {};
  return {
    Type: envelope.Type,
    MessageId: envelope.MessageId,
    ...(fifo ? { SequenceNumber: publication.sequenceNumber } : {}),
    TopicArn: envelope.TopicArn,
    ...(envelope.Subject == null ? {} : { Subject: envelope.Subject }),
    Message: envelope.Message,
    Timestamp: envelope.Timestamp,
    ...(fifo
      ? {}
      : {
          SignatureVersion: envelope.SignatureVersion,
          Signature: envelope.Signature,
          SigningCertURL: envelope.SigningCertURL,
        }),
    UnsubscribeURL: envelope.UnsubscribeURL,
    ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
  };
};

/**
 * fauxqs writes the SNS envelope itself, inside Publish; its SNS store tells its spy of each
 * publication just before the fan-out, synchronously, so an envelope enqueued meanwhile with that
 * MessageId is the one to rewrite.
 */
export class SnsEnvelopes {
  readonly #publishing = new CurrentContext<Publication>();
  readonly #sequences = new Map<string, bigint>();

  constructor(store: SnsStoreLike) {
    store.spy = {
      addMessage: ({ service, status, topicArn, messageId }) => {
        if (service !== 'sns' || status !== 'published' || topicArn === undefined || messageId === undefined)
          return;
        const fifo = store.getTopic(topicArn)?.attributes.FifoTopic === 'true';
        this.#publishing.enter({
          messageId,
          topicArn,
          ...(fifo ? { sequenceNumber: this.#nextSequence(topicArn) } : {}),
        });
      },
    };
  }

  /** Rewrites a message about to be enqueued if it is the envelope of the publication under way. */
  rewrite(message: SqsMessageLike): void {
    const publication = this.#publishing.get();
    if (publication === undefined || !message.body.startsWith('{"Type":"Notification"')) return;
    const envelope = JSON.parse(message.body) as FauxqsEnvelope;
    if (envelope.MessageId !== publication.messageId) return;
    message.body = JSON.stringify(awsEnvelope(envelope, publication));
    message.md5OfBody = createHash('md5').update(message.body).digest('hex');
  }

  /** SNS FIFO sequence numbers: 20 digits, growing per topic. */
  #nextSequence(topicArn: string): string {
    const next = (this.#sequences.get(topicArn) ?? 10n ** 19n) + 1n;
    this.#sequences.set(topicArn, next);
    return next.toString();
  }
}
