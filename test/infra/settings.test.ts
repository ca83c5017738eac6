import { describe, expect, it } from 'vitest';
import { synthesize } from '../helpers/synth';

describe('settings from CDK context', () => {
  it('passes AwsSolutions checks with every acknowledgement justified, for both moderation providers', () => {
    for (const moderationProvider of ['offline', 'rekognition']) {
      const { stack } = synthesize({ moderationProvider, retainData: 'false' });
      const acknowledged = stack.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
        .flatMap((m) => Object.values(m.data as Record<string, string>));
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const reason of acknowledged) expect(reason.length).toBeGreaterThan(40);
    }
  });

  it('applies per-consumer overrides given as JSON, as -c would', () => {
    const { template, stack } = synthesize({
      consumers: '{"thumbnail":{"batchSize":50,"maxBatchingWindowSeconds":2}}',
    });
    expect(stack.stackName).toBe('ImageFanout-dev');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 2,
    });
  });

  it('takes a visibility timeout per consumer (test stacks), and 6x the timeout plus the window without one', () => {
    const { template } = synthesize({
      consumers: '{"metadata":{"timeoutSeconds":8,"visibilityTimeoutSeconds":9}}',
    });
    const timeouts = Object.values(template.findResources('AWS::SQS::Queue'))
      .map((queue) => queue.Properties?.VisibilityTimeout as number | undefined)
      .filter((timeout) => timeout !== undefined)
      .sort((a, b) => a - b);
    // metadata 9 as set; indexing 6 x 30 + 1; moderation and thumbnail 6 x 60.
    expect(timeouts).toEqual([9, 181, 360, 360]);
  });

  it('names the stack after the stage, so that two stages live side by side', () => {
    expect(synthesize({ stage: 'perf' }).stack.stackName).toBe('ImageFanout-perf');
  });

  it('grants Rekognition only when it is the moderation provider', () => {
    const text = (provider: string) =>
      JSON.stringify(synthesize({ moderationProvider: provider }).template.toJSON());
    expect(text('rekognition')).toContain('rekognition:DetectModerationLabels');
    expect(text('offline')).not.toContain('rekognition:');
  });

  it.each([
    [
      { consumers: '{"metadata":{"batchSize":50,"maxBatchingWindowSeconds":0}}' },
      /batchSize 50 > 10 needs maxBatchingWindowSeconds >= 1/,
    ],
    [
      { consumers: '{"indexing":{"dlqRetentionDays":4}}' },
      /dlqRetentionDays 4 must be longer than retentionDays 4/,
    ],
    [{ consumers: '{"thumbnail":{"maxConcurrency":1}}' }, /maxConcurrency 1 must be 2-1000/],
    [
      // Lambda refuses a trigger whose queue hides a message for less than the function timeout.
      { consumers: '{"indexing":{"timeoutSeconds":8,"visibilityTimeoutSeconds":8}}' },
      /visibilityTimeoutSeconds 8 must be 9-43200/,
    ],
    [{ consumers: '{"thumbnail":{"batchSize":2.5}}' }, /expected whole-number settings among .*batchSize/],
    [
      { consumers: '{"thumbnails":{"batchSize":5}}' },
      /consumer names among thumbnail, moderation, metadata, indexing/,
    ],
    [
      { moderationProvider: 'magic' },
      /"moderationProvider" is "magic"; expected one of offline, rekognition/,
    ],
    [{ stage: 'no spaces' }, /"stage" is "no spaces"/],
  ])('rejects %j with a message that says what to change', (context, message) => {
    expect(() => synthesize(context)).toThrow(message);
  });
});
