import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../../../local/emulators/sqs/min-heap.js';

describe('MinHeap', () => {
  it('gives back what it was given, smallest first, whatever the order of pushes and pops', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined })),
        (operations) => {
          // A number is pushed, `undefined` pops; the reference is a sorted array.
          const heap = new MinHeap<number>((a, b) => a < b);
          const reference: number[] = [];
          for (const operation of operations) {
            if (operation === undefined) {
              reference.sort((a, b) => a - b);
              expect(heap.pop()).toBe(reference.shift());
            } else {
              heap.push(operation);
              reference.push(operation);
            }
            expect(heap.size).toBe(reference.length);
          }
          const rest: number[] = [];
          for (let next = heap.pop(); next !== undefined; next = heap.pop()) rest.push(next);
          expect(rest).toEqual(reference.sort((a, b) => a - b));
        },
      ),
    );
  });
});
