/**
 * `npm run build`, after tsc: copies the files the built package reads at run time that tsc does
 * not emit (it compiles TypeScript only): the dynalite worker thread's module, the Lambda
 * environment host of `baton dev` and the example app's ASL definition.
 */
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

for (const asset of [
  'local/runtime/dynalite-worker.mjs',
  'local/deploy/lambda-host.mjs',
  'examples/app/schedule-shipment.asl.json',
]) {
  cpSync(root(asset), root(`dist/${asset}`));
}
