/**
 * `Promise.withResolvers` for Node 20, for the benchmark only.
 *
 * aws-local-stepfunctions 3.x calls `Promise.withResolvers()` on every Task state (it races the
 * task against its timeout). The method arrived in Node 22; on Node 20 every peer execution would
 * fail with "Promise.withResolvers is not a function". Baton does not use it, so the polyfill is
 * installed here, by the bench, and nowhere in Baton's own code. `bench/index.ts` imports this
 * module first so that it runs before any engine code.
 */

/** What `Promise.withResolvers()` returns (ES2024; our tsconfig's lib is ES2023, so it is spelled out). */
interface Resolvers<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T | PromiseLike<T>) => void;
  readonly reject: (reason?: unknown) => void;
}

const PromiseWithResolvers = Promise as PromiseConstructor & {
  withResolvers?: <T>() => Resolvers<T>;
};

/** True when the polyfill had to be installed (the running Node lacks the built-in). */
export const withResolversPolyfilled: boolean = typeof PromiseWithResolvers.withResolvers !== 'function';

if (withResolversPolyfilled) {
  // The spec'd behaviour: a fresh promise and the two functions that settle it.
  const withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  // Non-enumerable like the built-in, so it does not show up when Promise's keys are listed.
  Object.defineProperty(Promise, 'withResolvers', {
    value: withResolvers,
    writable: true,
    configurable: true,
  });
}
