import { StreamSummarizer, summarizeStream } from '@gw/cli';
import { chunksOf } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { streamOf } from './helpers.js';

describe('stream summaries', () => {
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));

  it('hashes the pieces as if they were one buffer', () => {
    for (const size of [1, 3, 64, 999, 1000]) expect(summarizeStream(chunksOf(data, size), true)).toEqual(streamOf(data, true));
  });

  it('summarises an empty stream with the hash of nothing', () => {
    expect(summarizeStream([], false)).toEqual(streamOf('', false));
  });

  it('can be read mid-stream and keep hashing', () => {
    const s = new StreamSummarizer();
    s.update(data.subarray(0, 10));
    expect(s.summary()).toEqual(streamOf(data.subarray(0, 10), false));
    s.update(data.subarray(10));
    s.terminate();
    expect(s.summary()).toEqual(streamOf(data, true));
  });
});
