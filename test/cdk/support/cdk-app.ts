/**
 * CDK apps for the tests: the context of `cdk.json` (so tests synthesize what `npm run synth`
 * does), a private output folder, and NodejsFunction bundling off unless a test needs it
 * (bundling does not change the template's resources, only the asset hashes).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { afterAll } from 'vitest';

/** A fixed environment, so that templates hold literal regions and accounts. */
export const TEST_ENV: Required<Pick<Environment, 'account' | 'region'>> = {
  account: '123456789012',
  region: 'eu-west-1',
};

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The output folders of this test file's apps, removed after its tests. */
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new app. `bundle: false` skips esbuild for every stack (`aws:cdk:bundling-stacks` = []). */
export function testApp(options: { bundle?: boolean } = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'baton-cdk-test-'));
  outdirs.push(outdir);
  return new App({
    outdir,
    context: {
      ...cdkJson.context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
}
