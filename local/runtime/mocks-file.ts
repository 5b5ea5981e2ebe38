/**
 * Reads a mocks file (`--mocks <file>` of `npm start` and `npx baton dev`): JSON in the format of
 * `lambdas/runtime/integration-mocks.ts`. Every problem is one message naming the file and what is
 * wrong where.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MockedResults } from '../../lambdas/runtime/integration-mocks.js';

/** A mocks file that cannot be used: missing, not JSON, or not in the format. */
export class MocksFileError extends Error {
  override readonly name = 'MocksFileError';
}

/** The mocks of `path`, or `MockedResults.none` (tasks without a stand-in fail, saying how to mock them) when no path is given. */
export function loadMocksFile(path: string | undefined): MockedResults {
  if (path === undefined) return MockedResults.none('a mocks file given with --mocks <file>');
  const file = resolve(path);
  const source = `the mocks file ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MocksFileError(`Cannot read ${source}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MocksFileError(`${source} is not JSON: ${(error as Error).message}`);
  }
  try {
    return MockedResults.parse(value, source);
  } catch (error) {
    throw new MocksFileError((error as Error).message);
  }
}
