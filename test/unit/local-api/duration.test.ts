import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../local/api/duration.js';

describe('durations', () => {
  it('reads as ms, seconds, minutes or hours', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(2400)).toBe('2.40 s');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
  });
});
