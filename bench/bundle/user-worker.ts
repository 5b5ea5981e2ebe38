/**
 * The smallest worker as a user writes it: `defineWorker` from `baton/aws` (here its source,
 * `lambdas/aws/index.ts`) around a handler of a few lines, so the bundle shows what Baton itself
 * adds to every worker.
 */
import { defineWorker } from '../../lambdas/aws/index.js';

export const handler = defineWorker(async (input: { readonly amount: number }, context) => ({
  charged: input.amount,
  idempotencyKey: context.idempotencyKey,
}));
