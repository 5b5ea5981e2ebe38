/**
 * Child executions on `npm start`'s runtime (the real loop, queues, dynalite and control plane):
 * `arn:aws:states:::states:startExecution` in its four forms, within a domain and across the two
 * example domains. The parent never polls: the child's end reaches the parent's inbox as a
 * command committed with the child's terminal transition.
 *
 * Shapes from results recorded against AWS: LocalStack's
 * tests/aws/services/stepfunctions/v2/services/test_sfn_task_service.snapshot.json (request-response:
 * `{ ExecutionArn, SdkHttpMetadata, SdkResponseMetadata, StartDate }`) and
 * error_handling/test_task_service_sfn.snapshot.json (an unknown state machine:
 * `StepFunctions.StateMachineDoesNotExistException`, cause "State Machine Does Not Exist: '<arn>' ...");
 * `.sync`/`.sync:2` results as the AWS guide "Start a new AWS Step Functions state machine from a
 * running execution" shows them (DescribeExecution's response; `.sync:2` with the JSON parsed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleDomains } from '../../examples/app/domains.js';
import type { JsonObject } from '../../lambdas/engine/json.js';
import type { ExecutionDescription } from '../../local/control.js';
import { LocalRuntime } from '../../local/runtime/local-runtime.js';

const ACCOUNT_ARN = 'arn:aws:states:eu-west-1:123456789012';
const dataDir = mkdtempSync(join(tmpdir(), 'baton-children-'));
let runtime: LocalRuntime;

const TERMINAL = new Set([
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'COMPENSATED',
  'COMPENSATION_FAILED',
]);

/** Waits until `check` holds for the execution's description (it exists once its start is applied). */
async function waitFor(
  executionId: string,
  check: (found: ExecutionDescription) => boolean,
  what: string,
): Promise<ExecutionDescription> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const found = await runtime.describe(executionId).catch(() => undefined);
    if (found && check(found)) return found;
    if (Date.now() > deadline) {
      throw new Error(`${executionId} never ${what}: ${JSON.stringify(found?.status ?? 'not started')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ended = (executionId: string) => waitFor(executionId, (found) => TERMINAL.has(found.status), 'ended');

/** A parent with one startExecution task of `resource`, its result at `$.child`. */
function parentDefinition(resource: string, parameters: JsonObject): JsonObject {
  return {
    StartAt: 'StartChild',
    States: {
      StartChild: {
        Type: 'Task',
        Resource: resource,
        Parameters: parameters,
        ResultPath: '$.child',
        End: true,
      },
    },
  };
}

beforeAll(async () => {
  runtime = await LocalRuntime.start({ domains: exampleDomains(), dataDir });
  // A child that doubles `n`, fails on `fail`, or waits `wait` seconds first.
  await runtime.registerWorkflow({
    workflow: 'Doubler',
    domain: 'orders',
    definition: {
      StartAt: 'Wait',
      States: {
        Wait: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Check' },
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Fail' }],
          Default: 'Double',
        },
        Double: {
          Type: 'Pass',
          Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)', 'input.$': '$' },
          End: true,
        },
        Fail: { Type: 'Fail', Error: 'Doubler.Refused', Cause: 'asked to fail' },
      },
    },
  });
  // A workflow of the other domain, for a child across domains.
  await runtime.registerWorkflow({
    workflow: 'Labeller',
    domain: 'shipping',
    definition: {
      StartAt: 'Label',
      States: {
        Label: { Type: 'Pass', Parameters: { 'label.$': "States.Format('L-{}', $.id)" }, End: true },
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await runtime?.shutdown();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('states:startExecution.sync:2', () => {
  it('waits for the child and gets DescribeExecution with the output parsed, and both link each other', async () => {
    await runtime.registerWorkflow({
      workflow: 'ParentSync2',
      domain: 'orders',
      definition: parentDefinition('arn:aws:states:::states:startExecution.sync:2', {
        StateMachineArn: `${ACCOUNT_ARN}:stateMachine:Doubler`,
        Input: {
          'n.$': '$.n',
          wait: 0,
          fail: false,
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
        Name: 'doubler-of-sync2',
      }),
    });
    const parentId = await runtime.start({ workflow: 'ParentSync2', input: { n: 21 }, name: 'p1' });
    const parent = await ended(parentId);
    expect(parent.status).toBe('SUCCEEDED');
    const child = (parent.output as { child: Record<string, unknown> }).child;
    expect(child).toMatchObject({
      ExecutionArn: `${ACCOUNT_ARN}:execution:Doubler:doubler-of-sync2`,
      StateMachineArn: `${ACCOUNT_ARN}:stateMachine:Doubler`,
      Name: 'doubler-of-sync2',
      Status: 'SUCCEEDED',
      Input: { n: 21, wait: 0, fail: false, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: parentId },
      InputDetails: { Included: true },
      Output: { doubled: 42, input: { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: parentId } },
      OutputDetails: { Included: true },
    });
    expect(typeof child.StartDate).toBe('number');
    expect(child.StopDate as number).toBeGreaterThanOrEqual(child.StartDate as number);

    expect(parent.children).toEqual([
      {
        executionId: 'Doubler:doubler-of-sync2',
        executionArn: `${ACCOUNT_ARN}:execution:Doubler:doubler-of-sync2`,
        stateName: 'StartChild',
      },
    ]);
    const described = await runtime.describe('Doubler:doubler-of-sync2');
    expect(described.parent).toEqual({ executionId: parentId, integration: 'sync:2' });
    // The parent's history records the child's start, as Step Functions records TaskSubmitted.
    const history = await runtime.history(parentId);
    expect(history.map((event) => event.type)).toContain('TaskSubmitted');
  }, 60_000);

  it('fails the parent task with States.TaskFailed when the child fails, the description in the cause', async () => {
    await runtime.registerWorkflow({
      workflow: 'ParentOfFailing',
      domain: 'orders',
      definition: parentDefinition('arn:aws:states:::states:startExecution.sync:2', {
        StateMachineArn: `${ACCOUNT_ARN}:stateMachine:Doubler`,
        Input: { n: 1, wait: 0, fail: true },
        Name: 'failing-child',
      }),
    });
    const parent = await ended(await runtime.start({ workflow: 'ParentOfFailing', input: {}, name: 'p1' }));
    expect(parent.status).toBe('FAILED');
    expect(parent.error).toBe('States.TaskFailed');
    expect(JSON.parse(parent.cause as string)).toMatchObject({
      ExecutionArn: `${ACCOUNT_ARN}:execution:Doubler:failing-child`,
      Status: 'FAILED',
      Error: 'Doubler.Refused',
      Cause: 'asked to fail',
    });
  }, 60_000);

  it('runs a workflow of another domain, which reports to the parent in its own domain', async () => {
    await runtime.registerWorkflow({
      workflow: 'ParentAcross',
      domain: 'orders',
      definition: parentDefinition('arn:aws:states:::states:startExecution.sync:2', {
        StateMachineArn: `${ACCOUNT_ARN}:stateMachine:Labeller`,
        Input: { id: 7 },
        Name: 'label-7',
      }),
    });
    const parentId = await runtime.start({ workflow: 'ParentAcross', input: {}, name: 'p1' });
    const parent = await ended(parentId);
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.output).toMatchObject({ child: { Status: 'SUCCEEDED', Output: { label: 'L-7' } } });
    const child = await runtime.describe('Labeller:label-7');
    expect(child.domain).toBe('shipping');
    expect(child.parent).toEqual({ executionId: parentId, domain: 'orders', integration: 'sync:2' });
  }, 60_000);
});

describe('states:startExecution.sync', () => {
  it('gets Input and Output as JSON text', async () => {
    await runtime.registerWorkflow({
      workflow: 'ParentSync',
      domain: 'orders',
      definition: parentDefinition('arn:aws:states:::states:startExecution.sync', {
        StateMachineArn: `${ACCOUNT_ARN}:stateMachine:Doubler`,
        Input: { n: 5, wait: 0, fail: false },
        Name: 'doubler-of-sync',
      }),
    });
    const parent = await ended(await runtime.start({ workflow: 'ParentSync', input: {}, name: 'p1' }));
    expect(parent.status).toBe('SUCCEEDED');
    const child = (parent.output as { child: Record<string, unknown> }).child;
    expect(child.Status).toBe('SUCCEEDED');
    expect(typeof child.Output).toBe('string');
    expect(JSON.parse(child.Output as string)).toMatchObject({ doubled: 10 });
    expect(JSON.parse(child.Input as string)).toEqual({ n: 5, wait: 0, fail: false });
  }, 60_000);
});

describe('states:startExecution (request-response)', () => {
  it('answers StartExecution at once and lets the child run on', async () => {
    await runtime.registerWorkflow({
      workflow: 'ParentFireAndForget',
      domain: 'orders',
      definition: parentDefinition('arn:aws:states:::states:startExecution', {
        StateMachineArn: `${ACCOUNT_ARN}:stateMachine:Doubler`,
        // A string Input is JSON text, as StartExecution's own Input.
        Input: '{"n": 2, "wait": 1, "fail": false}',
        Name: 'doubler-of-rr',
      }),
    });
    const parentId = await runtime.start({ workflow: 'ParentFireAndForget', input: {}, name: 'p1' });
    const parent = await ended(parentId);
    expect(parent.status).toBe('SUCCEEDED');
    const result = (parent.output as { child: Record<string, unknown> }).child;
    expect(Object.keys(result).sort()).toEqual([
      'ExecutionArn',
      'SdkHttpMetadata',
      'SdkResponseMetadata',
      'StartDate',
    ]);
    expect(result).toMatchObject({
      ExecutionArn: `${ACCOUNT_ARN}:execution:Doubler:doubler-of-rr`,
      SdkHttpMetadata: { HttpStatusCode: 200 },
    });
    const child = await ended('Doubler:doubler-of-rr');
    expect(child.output).toMatchObject({ doubled: 4 });
    expect(child.parent).toEqual({ executionId: parentId, integration: 'requestResponse' });
    expect(parent.children?.map((c) => c.executionId)).toEqual(['Doubler:doubler-of-rr']);
  }, 60_000);

  it('fails with StepFunctions.StateMachineDoesNotExistException for a workflow no domain deploys', async () => {
    const arn = `${ACCOUNT_ARN}:stateMachine:NoSuchWorkflow`;
    await runtime.registerWorkflow({
      workflow: 'ParentOfNothing',
      domain: 'orders',
      definition: parentDefinition('arn:aws:states:::states:startExecution', { StateMachineArn: arn }),
    });
    const parent = await ended(await runtime.start({ workflow: 'ParentOfNothing', input: {}, name: 'p1' }));
    expect(parent.status).toBe('FAILED');
    expect(parent.error).toBe('StepFunctions.StateMachineDoesNotExistException');
    expect(parent.cause).toContain(`State Machine Does Not Exist: '${arn}'`);
  }, 60_000);
});

describe('states:startExecution.waitForTaskToken', () => {
  it('gives the child the token, and the parent waits for SendTaskSuccess', async () => {
    await runtime.registerWorkflow({
      workflow: 'Approver',
      domain: 'orders',
      definition: { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 600, End: true } } },
    });
    await runtime.registerWorkflow({
      workflow: 'ParentOfToken',
      domain: 'orders',
      definition: parentDefinition('arn:aws:states:::states:startExecution.waitForTaskToken', {
        StateMachineArn: `${ACCOUNT_ARN}:stateMachine:Approver`,
        Input: { 'token.$': '$$.Task.Token' },
        Name: 'approver-1',
      }),
    });
    const parentId = await runtime.start({ workflow: 'ParentOfToken', input: {}, name: 'p1' });
    const child = await waitFor('Approver:approver-1', (found) => found.status === 'RUNNING', 'ran');
    const token = (child.input as { token: string }).token;
    await runtime.sendTaskSuccess(token, { approved: true });
    const parent = await ended(parentId);
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.output).toEqual({ child: { approved: true } });
    await runtime.stop('Approver:approver-1', {});
  }, 60_000);
});

describe('stopping a parent', () => {
  it('stops its running .sync:2 child', async () => {
    await runtime.registerWorkflow({
      workflow: 'ParentToStop',
      domain: 'orders',
      definition: parentDefinition('arn:aws:states:::states:startExecution.sync:2', {
        StateMachineArn: `${ACCOUNT_ARN}:stateMachine:Doubler`,
        Input: { n: 1, wait: 600, fail: false },
        Name: 'long-child',
      }),
    });
    const parentId = await runtime.start({ workflow: 'ParentToStop', input: {}, name: 'p1' });
    // The parent knows its child once the child's start was reported (TaskSubmitted).
    await waitFor(parentId, (found) => (found.children ?? []).length === 1, 'reported its child');
    await waitFor('Doubler:long-child', (found) => found.status === 'RUNNING', 'ran');
    await runtime.stop(parentId, {});
    expect((await ended(parentId)).status).toBe('ABORTED');
    const child = await ended('Doubler:long-child');
    expect(child.status).toBe('ABORTED');
    expect(child.cause).toContain(parentId);
  }, 60_000);
});
