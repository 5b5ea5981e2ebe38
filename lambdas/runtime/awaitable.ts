/**
 * Values that may or may not be ready: what a port returns. The AWS adapters and the local
 * emulators answer with promises; an in-process wiring (`runWorkflow`) answers at once, and then
 * the orchestrator loop runs through a message without a single microtask hop.
 *
 * The loop's steps are generators that `yield*` each port's answer through {@link settle}, which
 * yields only when the answer is a real promise; {@link drive} runs them, synchronously for as
 * long as nothing is pending. This is the "PromiseOrValue" idea of graphql-js's executor, in the
 * shape of the `co` library; both are a few lines, and no library offers them alone, so they are
 * written here.
 */

/** A value, or a promise of one. */
export type Awaitable<T> = T | Promise<T>;

/** The steps of a piece of work: a generator that yields only pending promises. */
export type Steps<T> = Generator<Promise<unknown>, T, unknown>;

/** Whether `value` is a promise (or any thenable) to wait for. */
export function isPending<T>(value: Awaitable<T>): value is Promise<T> {
  return (
    value instanceof Promise ||
    (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function')
  );
}

/** Inside steps, `const x = yield* settle(port.call())`: waits only when the answer is pending. */
export function* settle<T>(value: Awaitable<T>): Steps<T> {
  if (isPending(value)) return (yield value) as T;
  return value;
}

/**
 * Runs `steps` to the end: synchronously while every yielded answer was ready (a synchronous
 * throw then leaves `drive` as it is), and as a promise from the first pending one on.
 */
export function drive<T>(steps: Steps<T>): Awaitable<T> {
  return advance(steps, steps.next());
}

function advance<T>(steps: Steps<T>, result: IteratorResult<Promise<unknown>, T>): Awaitable<T> {
  if (result.done) return result.value;
  return result.value.then(
    (value) => advance(steps, steps.next(value)),
    (error: unknown) => advance(steps, steps.throw(error)),
  );
}
