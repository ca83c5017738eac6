/**
 * The soak's storm accounting: a key is in the state of its newest event, or waits in a DLQ, or is
 * wrong. Thumbnails an older event left unswept are a DLQ's doing only while a message of that key
 * waits there; missing thumbnails, or extra ones of any other event, are wrong whatever the DLQs hold.
 */
import { describe, expect, it } from 'vitest';
import { consumerNames } from '../../lambdas/shared/constants';
import type { StageRecord } from '../../lambdas/shared/store';
import { thumbnailKey } from '../../lambdas/thumbnail/stage';
import { type KeyState, stormVerdict } from '../../local/tools';

const imageId = 'img-1';
const sequencer = (n: number) => n.toString(16).toUpperCase().padStart(32, '0');
const thumbnails = (n: number) => [
  thumbnailKey(imageId, sequencer(n), 128, 'jpeg'),
  thumbnailKey(imageId, sequencer(n), 128, 'webp'),
];

const stateOf = (stored: readonly string[]): KeyState => ({
  stages: consumerNames.map(
    (consumer) =>
      ({
        imageId,
        consumer,
        status: 'processed',
        sequencer: sequencer(5),
        derivedKeys: [],
        data:
          consumer === 'thumbnail'
            ? { thumbnails: thumbnails(5).map((key) => ({ key })) }
            : { width: 320, height: 240 },
      }) as unknown as StageRecord,
  ),
  live: { width: 320, height: 240 },
  newest: undefined,
  thumbnails: stored,
  entries: [],
});

describe('the storm verdict of a key', () => {
  it('is the newest event when every record is on it and only its thumbnails are stored', () => {
    expect(stormVerdict(stateOf(thumbnails(5)), false).verdict).toBe('newest event');
  });

  it("lists a key whose older event's thumbnails remain while a message of the key waits in a DLQ", () => {
    const state = stateOf([...thumbnails(5), ...thumbnails(3)]);
    expect(stormVerdict(state, true)).toEqual({
      verdict: 'left in a DLQ (listed)',
      detail: '4 thumbnails stored, 2 named',
    });
    expect(stormVerdict(state, false).verdict).toBe('wrong state');
  });

  it('is wrong when a named thumbnail is missing or a newer set is stored, DLQ or not', () => {
    expect(stormVerdict(stateOf(thumbnails(5).slice(1)), true).verdict).toBe('wrong state');
    expect(stormVerdict(stateOf([...thumbnails(5), ...thumbnails(7)]), true).verdict).toBe('wrong state');
  });
});
