/** Human-readable output of the commands; `--json` prints their results as they are instead. */
import type { DeadLetter, DeadLetterImage, DeadLetterListing, FailureView, StageView } from './dead-letters';
import type { ImageReport } from './image';
import type { RedriveResult } from './redrive';
import type { ReprocessResult } from './reprocess';
import type { PipelineStatus } from './status';
import type { UnreadableListing } from './unreadable';

/** Columns padded to their widest cell; numbers right-aligned. */
export const table = (headers: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = headers.map(
    (_, column) => rows.length > 0 && rows.every((row) => /^\d+$/.test(row[column] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return numeric[column] ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
};

export const duration = (seconds: number): string => {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  return `${(seconds / 86_400).toFixed(1)} d`;
};

export const formatStatus = (status: PipelineStatus): string => {
  const rows = status.consumers.map((consumer) => [
    consumer.consumer,
    String(consumer.visible),
    String(consumer.inFlight),
    String(consumer.delayed),
    String(consumer.deadLetters),
    String(consumer.unreadable),
    consumer.oldestMessageAgeSeconds === null ? '-' : duration(consumer.oldestMessageAgeSeconds),
  ]);
  const note =
    status.oldestMessageAge === 'cloudwatch'
      ? 'oldest: ApproximateAgeOfOldestMessage from CloudWatch, latest minute ("-": no datapoint)'
      : `oldest: ${status.oldestMessageAge}`;
  return [
    status.target,
    '',
    table(['consumer', 'waiting', 'in flight', 'delayed', 'DLQ', 'unreadable', 'oldest'], rows),
    '',
    note,
    ...(status.consumers.some((consumer) => consumer.unreadable > 0)
      ? ['unreadable: messages recorded and acknowledged without work; `unreadable list all` shows them']
      : []),
  ].join('\n');
};

const bodyExcerptChars = 200;

/** The body on one line, cut short: enough to recognise what sent it. */
const excerpt = (body: string): string => {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > bodyExcerptChars ? `${line.slice(0, bodyExcerptChars - 3)}...` : line;
};

export const formatUnreadable = (listing: UnreadableListing): string => {
  const count = `${listing.messages.length}${listing.more ? '+' : ''}`;
  const head = `${listing.consumers.join(', ')}: ${count} unreadable message${listing.messages.length === 1 ? '' : 's'} (recorded and acknowledged, never retried)`;
  return [
    head,
    ...listing.messages.flatMap((message) => [
      '',
      `${message.messageId}  ${message.consumer}  received ${message.receivedAt}`,
      `  reason   ${message.reasonCode}: ${message.reason}`,
      `  body     ${excerpt(message.body)}`,
    ]),
  ].join('\n');
};

const stageText = (stage: StageView | undefined): string =>
  stage === undefined
    ? 'no record'
    : `${stage.status}${stage.reasonCode ? ` (${stage.reasonCode}: ${stage.reason ?? ''})` : ''} at ${stage.updatedAt}`;

const failureText = (failure: FailureView | undefined): string =>
  failure === undefined
    ? 'no failure recorded'
    : `${failure.errorName}: ${failure.errorMessage} (delivery ${failure.receiveCount}, ${failure.at})` +
      (failure.resolved ? ', resolved since' : '');

/** Whether the stage has moved past the message: then a redrive only skips it. */
const sequencerNote = (stage: StageView, image: DeadLetterImage): string => {
  if (stage.sequencer > image.sequencer)
    return '(for a newer event: this message is stale, a redrive skips it)';
  if (stage.sequencer < image.sequencer) return '(for an older event)';
  return image.reprocess
    ? '(for this event: a redrive redoes it)'
    : '(for this event: already done, a redrive skips it)';
};

const imageLines = (image: DeadLetterImage, indent: string): string[] => [
  `${indent}image    s3://${image.bucket}/${image.key}  (${image.reprocess ? 'reprocess request' : image.event})`,
  `${indent}failed   ${image.failure === undefined ? 'no failure recorded' : failureText(image.failure)}${
    image.failure && !image.failure.sameEvent ? ' [for another event of this key]' : ''
  }`,
  `${indent}stage    ${stageText(image.stage)}${image.stage ? ` ${sequencerNote(image.stage, image)}` : ''}`,
];

const letterLines = (letter: DeadLetter): string[] => [
  `${letter.messageId}  sent ${letter.sentAt ?? '?'}  receives ${letter.receiveCount}`,
  ...(letter.content === 'unreadable'
    ? [`  unreadable: ${letter.unreadable}`]
    : letter.content === 'test-event'
      ? ['  s3:TestEvent (nothing to do: delete or redrive it)']
      : letter.images.flatMap((image) => imageLines(image, '  '))),
];

export const formatDeadLetters = (listings: readonly DeadLetterListing[]): string =>
  listings
    .map((listing) => {
      const count = `${listing.messages.length}${listing.more ? '+' : ''}`;
      const head = `${listing.consumer} DLQ: ${count} message${listing.messages.length === 1 ? '' : 's'}`;
      return [head, ...listing.messages.flatMap((letter) => ['', ...letterLines(letter)])].join('\n');
    })
    .join('\n\n');

export const formatDeadLetter = (letter: DeadLetter): string =>
  [
    `${letter.consumer} DLQ`,
    ...letterLines(letter),
    ...(letter.messageAttributes && Object.keys(letter.messageAttributes).length > 0
      ? [
          'attributes',
          ...Object.entries(letter.messageAttributes).map(([name, value]) => `  ${name}=${value}`),
        ]
      : []),
    'body',
    letter.body ?? '',
  ].join('\n');

export const formatRedrive = (results: readonly RedriveResult[]): string =>
  table(
    ['consumer', 'how', 'moved', 'result'],
    results.map((result) =>
      result.method === 'move-task'
        ? [
            result.consumer,
            'StartMessageMoveTask',
            String(result.moved),
            `${result.status}${result.toMove !== undefined ? ` (of ${result.toMove})` : ''}${
              result.failureReason ? `: ${result.failureReason}` : ''
            }`,
          ]
        : [
            result.consumer,
            'receive/send/delete',
            String(result.moved),
            [
              `stopped: ${result.stoppedBy}`,
              ...(result.notSent > 0 ? [`${result.notSent} not sent (still in the DLQ)`] : []),
              ...(result.notDeleted > 0
                ? [`${result.notDeleted} sent but not deleted (will be duplicated)`]
                : []),
            ].join('; '),
          ],
    ),
  );

export const formatReprocess = (result: ReprocessResult): string =>
  [
    `s3://${result.bucket}/${result.key}  (image ${result.imageId})`,
    '',
    table(
      ['consumer', 'request'],
      result.consumers.map((outcome) => [
        outcome.consumer,
        outcome.sent
          ? `sent (message ${outcome.messageId}, sequencer ${outcome.sequencer})`
          : `not sent: ${outcome.reason}`,
      ]),
    ),
  ].join('\n');

export const formatImage = (report: ImageReport): string => {
  const upload = report.upload
    ? `${report.upload.bytes ?? '?'} bytes, ${report.upload.contentType ?? '?'}, modified ${report.upload.lastModified ?? '?'}`
    : 'not in the bucket (deleted, or never uploaded)';
  return [
    `s3://${report.bucket}/${report.key}`,
    `image id   ${report.imageId}`,
    `upload     ${upload}`,
    `settled    ${report.settled ? 'yes: every consumer has recorded an outcome' : 'no'}`,
    '',
    table(
      ['consumer', 'status', 'reason', 'updated', 'last failure'],
      report.consumers.map(({ consumer, stage, lastFailure }) => [
        consumer,
        stage?.status ?? '-',
        stage?.reasonCode ? `${stage.reasonCode}: ${stage.reason ?? ''}` : '',
        stage?.updatedAt ?? '',
        lastFailure === undefined ? '' : failureText(lastFailure),
      ]),
    ),
    ...(report.thumbnails.length > 0
      ? [
          '',
          `thumbnails in s3://${report.derivedBucket}/`,
          table(
            ['key', 'width', 'format', 'bytes', 'present'],
            report.thumbnails.map((thumbnail) => [
              thumbnail.key,
              String(thumbnail.width),
              thumbnail.format,
              thumbnail.bytes === undefined ? '?' : String(thumbnail.bytes),
              thumbnail.present ? 'yes' : 'MISSING',
            ]),
          ),
        ]
      : []),
  ].join('\n');
};
