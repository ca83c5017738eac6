/**
 * The S3 event message the emulator writes for an object event, and the key encoding in it: the
 * emulator has its own encoder (it imports nothing of the app), so it is held here to the
 * consumers' decoder and to the app's own encoder (S3 user guide, "Event message structure":
 * the key is URL-encoded, a space as "+").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeS3Key as consumersEncodeS3Key, decodeS3Key, parseMessage } from '../../lambdas/shared/events';
import { encodeS3Key, type ObjectEvent, s3EventMessage } from '../../local/emulator';

const objectEvent = (key: string, extra: Partial<ObjectEvent> = {}): ObjectEvent => ({
  eventName: 'ObjectCreated:Put',
  bucket: 'uploads',
  key,
  size: 12,
  eTag: 'abc',
  sequencer: '0000018C2F3A4B5C',
  time: new Date('2026-12-02T03:00:00.000Z'),
  sourceIp: '127.0.0.1',
  requestId: 'R1',
  ...extra,
});

describe('the S3 event message of the local runtime', () => {
  it.each([
    ['uploads/a b.jpg', 'uploads/a+b.jpg'],
    ['uploads/a+b.jpg', 'uploads/a%2Bb.jpg'],
    ["uploads/it's (1)!.png", 'uploads/it%27s+%281%29%21.png'],
    ['uploads/café/東京.png', 'uploads/caf%C3%A9/%E6%9D%B1%E4%BA%AC.png'],
  ])('writes the key %s as %s', (key, encoded) => {
    expect(encodeS3Key(key)).toBe(encoded);
  });

  it('writes every key as the consumers encode it, and they read it back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (key) => {
        expect(encodeS3Key(key)).toBe(consumersEncodeS3Key(key));
        expect(decodeS3Key(encodeS3Key(key))).toBe(key);
      }),
    );
  });

  it('is read by the consumers as the event of that object, version and sequencer', () => {
    const body = JSON.stringify(
      s3EventMessage(objectEvent('uploads/me/a b+c.jpg', { versionId: 'v1' }), 'config', 'us-east-1'),
    );
    const parsed = parseMessage({ body });
    expect(parsed.type).toBe('events');
    if (parsed.type !== 'events') return;
    expect(parsed.events).toEqual([
      expect.objectContaining({
        kind: 'created',
        bucket: 'uploads',
        key: 'uploads/me/a b+c.jpg',
        versionId: 'v1',
        size: 12,
        eTag: 'abc',
        sequencer: expect.stringMatching(/18C2F3A4B5C$/),
      }),
    ]);
  });
});
