import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExampleApp, type ExampleStacks } from '../../examples/app/example-app.js';
import { ExampleEvents } from '../../examples/app/example-events.js';
import { EXAMPLE_BUS_NAME } from '../../examples/app/shared-stack.js';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import { TEST_ENV, testApp } from './support/cdk-app.js';
import { tempFolder } from '../helpers/temp-folder.js';

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;
interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/** Synthesizes with cdk-nag; a finding fails the synth, so the error carries the report's path. */
function synthWithNag(app: App): { assembly?: CloudAssembly; error?: Error } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    return { assembly: app.synth() };
  } catch (error) {
    return { error: error as Error };
  }
}

function reportOf(app: App): ValidationReport {
  return JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
}

/** Every acknowledgement recorded in the app: rule id -> reason. */
function acknowledgements(app: App): { id: string; reason: string; path: string }[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id,
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

// The example app, synthesized once in process with cdk-nag (bundling off: it does not change the
// resources, and esbuild cannot be spawned from a vitest worker thread; the CLI test below bundles).
let app: App;
let stacks: ExampleStacks;
let synth: { assembly?: CloudAssembly; error?: Error };

beforeAll(() => {
  app = testApp();
  stacks = buildExampleApp(app, TEST_ENV);
  synth = synthWithNag(app);
});

const resourcesOf = (stack: Stack) => Template.fromStack(stack).toJSON().Resources as Resources;

describe('the example app under cdk-nag AwsSolutions', () => {
  it('synthesizes with no unacknowledged finding', () => {
    expect(synth.error?.message).toBeUndefined();
    expect(reportOf(app).pluginReports.flatMap((report) => report.violations)).toEqual([]);
  });

  it('gives every acknowledgement a specific reason', () => {
    const acknowledged = acknowledgements(app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { id, reason, path } of acknowledged) {
      expect(id, path).toMatch(/AwsSolutions-[A-Z]+\d+/);
      expect(reason.length, `${id} at ${path}`).toBeGreaterThan(60);
    }
  });

  it('still reports what is not acknowledged (a worker role with a managed policy)', () => {
    const failing = testApp();
    const stack = new Stack(failing, 'Nagged', { env: TEST_ENV });
    const worker = new lambda.Function(stack, 'Plain', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
    new SagaOrchestrator(stack, 'Orders', {
      domain: 'orders',
      workflows: {
        Only: { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'baton:worker:plain', End: true } } },
      },
      workers: { plain: worker },
    });

    const result = synthWithNag(failing);

    expect(result.error).toBeDefined();
    const rules = reportOf(failing).pluginReports.flatMap((report) =>
      report.violations.map((v) => v.ruleName),
    );
    expect(rules).toContainEqual(expect.stringMatching(/^AwsSolutions-IAM4\b/));
  });
});

describe('npm run synth', () => {
  it('synthesizes the app with the pinned CLI offline, bundling every function locally and passing cdk-nag', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const outdir = tempFolder('baton-cdk-cli-');
    // No credentials: the synth must need none.
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' };
    for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      delete env[name];
    }
    const cli = spawnSync(
      join(root, 'node_modules/.bin/cdk'),
      ['synth', '--quiet', '--no-notices', '--no-lookups', '--output', outdir],
      { cwd: root, env, encoding: 'utf8', timeout: 110_000 },
    );

    expect(cli.status, cli.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    const stackNames = Object.entries(manifest.artifacts)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([name]) => name);
    expect(stackNames.sort()).toEqual(['BatonExampleOrders', 'BatonExampleShared', 'BatonExampleShipping']);
    let bundled = 0;
    for (const name of stackNames) {
      const template = JSON.parse(readFileSync(join(outdir, `${name}.template.json`), 'utf8')) as {
        Resources: Resources;
      };
      for (const resource of Object.values(template.Resources)) {
        if (resource.Type !== 'AWS::Lambda::Function') continue;
        const assetPath = resource.Metadata?.['aws:asset:path'] as string;
        expect(existsSync(join(outdir, assetPath, 'index.mjs')), assetPath).toBe(true);
        bundled += 1;
      }
    }
    // Orders: orchestrator, 5 workers, definition publisher; shipping: orchestrator, 3 workers, publisher.
    expect(bundled).toBe(12);
  }, 120_000);
});

describe('the example domains', () => {
  it('starts PlaceOrder from Order Placed events on the shared bus, keyed by order id', () => {
    Template.fromStack(stacks.orders).hasResourceProperties('AWS::Events::Rule', {
      EventBusName: EXAMPLE_BUS_NAME,
      EventPattern: {
        source: [ExampleEvents.orderPlaced.source],
        'detail-type': [ExampleEvents.orderPlaced.detailType],
      },
      Targets: [
        {
          InputTransformer: {
            InputTemplate: expectTemplate('PlaceOrder', '$.detail.orderId'),
          },
        },
      ],
    });
  });

  it('lets shipping react by choreography to the Order Confirmed event that PlaceOrder publishes', () => {
    const placeOrder = definitionIn(stacks.orders, 'PlaceOrder');
    const published = (
      placeOrder.States.PublishOrderConfirmed as {
        Parameters: { Entries: { Source: string; DetailType: string }[] };
      }
    ).Parameters.Entries[0];
    Template.fromStack(stacks.shipping).hasResourceProperties('AWS::Events::Rule', {
      EventBusName: EXAMPLE_BUS_NAME,
      EventPattern: { source: [published?.Source], 'detail-type': [published?.DetailType] },
      Targets: [
        { InputTransformer: { InputTemplate: expectTemplate('ScheduleShipment', '$.detail.orderId') } },
      ],
    });
  });

  it('publishes both domains on the shared bus and announces Shipment Scheduled', () => {
    for (const stack of [stacks.orders, stacks.shipping]) {
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { BATON_EVENT_BUS_NAME: EXAMPLE_BUS_NAME } },
      });
    }
    const schedule = definitionIn(stacks.shipping, 'ScheduleShipment');
    expect(JSON.stringify(schedule.States.PublishShipmentScheduled)).toContain(
      ExampleEvents.shipmentScheduled.detailType,
    );
  });

  it('makes large orders wait for the correlated fraud check, and routes that event to the orders inbox', () => {
    const placeOrder = definitionIn(stacks.orders, 'PlaceOrder');
    expect(placeOrder.States.WaitForFraudCheck).toMatchObject({
      Resource: 'baton:waitForEvent',
      Parameters: {
        DetailType: ExampleEvents.fraudCheckCompleted.detailType,
        Match: { 'detail.orderId.$': '$.orderId' },
      },
      TimeoutSeconds: 3600,
    });
    Template.fromStack(stacks.orders).hasResourceProperties('AWS::Events::Rule', {
      EventBusName: EXAMPLE_BUS_NAME,
      EventPattern: { 'detail-type': [ExampleEvents.fraudCheckCompleted.detailType] },
    });
  });

  it('notifies the shared, encrypted alarm topic', () => {
    Template.fromStack(stacks.shared).hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'baton-example-alarms',
      KmsMasterKeyId: Match.anyValue(),
    });
  });

  // SNS developer guide: a topic's access policy replaces its default one, and CloudWatch alarms
  // publish to a topic with a policy only when it allows cloudwatch.amazonaws.com sns:Publish.
  it("lets this account's CloudWatch alarms publish to the alarm topic, whose policy denies insecure transport", () => {
    Template.fromStack(stacks.shared).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() } }),
          }),
        ]),
      },
    });
  });
});

function expectTemplate(workflow: string, businessKeyPath: string): string {
  return `{"kind":"StartFromEvent","workflow":"${workflow}","businessKeyPath":"${businessKeyPath}","event":<aws.events.event.json>}`;
}

function definitionIn(stack: Stack, workflow: string): { States: Record<string, unknown> } {
  const resource = Object.values(resourcesOf(stack)).find(
    (candidate) =>
      candidate.Type === 'Custom::BatonWorkflowDefinition' && candidate.Properties.Workflow === workflow,
  );
  if (!resource) throw new Error(`no definition of ${workflow} in ${stack.stackName}`);
  return JSON.parse(resource.Properties.Definition as string) as { States: Record<string, unknown> };
}
