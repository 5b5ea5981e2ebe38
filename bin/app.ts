/**
 * The CDK app of the example domains (orders and shipping), for `npm run synth` and
 * `npx cdk deploy --all`. cdk-nag's AwsSolutions checks run on every synth: a finding that is
 * neither fixed nor acknowledged with a reason fails it.
 *
 * The account and region come from the CLI's credentials when there are any
 * (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION); without them the stacks synthesize offline,
 * account-agnostic, in the fallback region. Nothing is looked up.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildExampleApp } from '../examples/app/example-app.js';

/** The region when the CLI names none (no profile, no AWS_REGION). */
const FALLBACK_REGION = 'eu-west-1';

const app = new App();
buildExampleApp(app, {
  ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}),
  region: process.env.CDK_DEFAULT_REGION ?? FALLBACK_REGION,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
