/**
 * The registry of suites, in the order `npm run bench` runs them. To add one (e.g. `local`), write
 * `bench/<name>/index.ts` exporting a {@link Suite} and list it here.
 */
import { bundleSuite } from './bundle/index.js';
import { costSuite } from './cost/index.js';
import { distributedMapSuite } from './distributed-map/index.js';
import { engineSuite } from './engine/index.js';
import { localSuite } from './local/index.js';
import type { Suite } from './suite.js';

/** Every suite, in run order. */
export const suites: readonly Suite[] = [
  engineSuite,
  costSuite,
  localSuite,
  distributedMapSuite,
  bundleSuite,
];
