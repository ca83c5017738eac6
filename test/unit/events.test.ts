import { describe, expect, it } from 'vitest';
import { MalformedMessageError } from '../../lambdas/shared/errors';
import {
  compareSequencers,
  decodeS3Key,
  encodeS3Key,
  imageIdOf,
  normalizeSequencer,
  parseMessage,
} from '../../lambdas/shared/events';
import { s3Event, s3Record, s3TestEvent, snsEnvelope } from '../helpers/events';

describe('S3 event parsing', () => {
  it.each([
    ['uploads/a+b.jpg', 'uploads/a b.jpg'],
    ['uploads/a%2Bb.jpg', 'uploads/a+b.jpg'],
    ['uploads/caf%C3%A9/%E6%9D%B1%E4%BA%AC.png', 'uploads/café/東京.png'],
    ['uploads/100%25+done.jpg', 'uploads/100% done.jpg'],
  ])('decodes the form-URL-encoded key %s', (encoded, decoded) => {
    expect(decodeS3Key(encoded)).toBe(decoded);
    expect(decodeS3Key(encodeS3Key(decoded))).toBe(decoded);
  });

  it('orders sequencers of different lengths as S3 means them (left-padded hex)', () => {
    const older = normalizeSequencer('FF');
    const newer = normalizeSequencer('0100');
    expect(compareSequencers(older, newer)).toBe(-1);
    expect(normalizeSequencer('00000000005f1a2b3c')).toBe(normalizeSequencer('5F1A2B3C'));
  });

  it('gives an image the same URL-safe id for the same bucket and key, and another for another key', () => {
    const id = imageIdOf('uploads', 'uploads/a b.jpg');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(imageIdOf('uploads', 'uploads/a b.jpg')).toBe(id);
    expect(imageIdOf('uploads', 'uploads/a+b.jpg')).not.toBe(id);
    expect(imageIdOf('other', 'uploads/a b.jpg')).not.toBe(id);
  });

  it('reads the same event raw or in an SNS envelope', () => {
    const event = s3Event(s3Record({ key: 'uploads/u/x y.jpg', sequencer: 'ABC' }));
    const raw = parseMessage({ body: JSON.stringify(event) });
    const wrapped = parseMessage({ body: JSON.stringify(snsEnvelope(event)) });
    expect(wrapped).toEqual(raw);
    expect(raw).toMatchObject({ type: 'events', events: [{ kind: 'created', key: 'uploads/u/x y.jpg' }] });
  });

  it('recognises the s3:TestEvent', () => {
    expect(parseMessage({ body: JSON.stringify(s3TestEvent()) })).toEqual({ type: 'test-event' });
  });

  it('ignores event types it does not handle, so a notification change fills no DLQ', () => {
    const event = s3Event(s3Record({ key: 'uploads/u/x.jpg', eventName: 'ObjectTagging:Put' }));
    expect(parseMessage({ body: JSON.stringify(event) })).toEqual({ type: 'events', events: [], ignored: 1 });
  });

  it.each([
    ['not JSON', '{"Records": ['],
    ['JSON but not an object', '[1,2,3]'],
    ['an object without Records', '{"hello":"world"}'],
    ['an empty Records list', '{"Records":[]}'],
    ['a record from another service', '{"Records":[{"eventSource":"aws:sqs"}]}'],
    [
      'a bad key encoding',
      JSON.stringify(s3Event(s3Record({ key: 'k' }))).replace('"key":"k"', '"key":"%E0%A4%A"'),
    ],
    ['an SNS envelope around garbage', JSON.stringify(snsEnvelope('garbage'))],
  ])('rejects %s as a malformed message, saying why', (_, body) => {
    expect(() => parseMessage({ body })).toThrow(MalformedMessageError);
  });
});
