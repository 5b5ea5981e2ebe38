/**
 * `arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]` in the task router, the
 * report of a child's end to its parent, and a redelivered dispatch starting one child only.
 *
 * Shapes from results recorded against AWS (LocalStack,
 * tests/aws/services/stepfunctions/v2/services/test_sfn_task_service.snapshot.json: the
 * request-response result `{ ExecutionArn, SdkHttpMetadata: { HttpStatusCode: 200, ... },
 * SdkResponseMetadata: { RequestId }, StartDate }`; error_handling/test_task_service_sfn.snapshot.json:
 * `StepFunctions.StateMachineDoesNotExistException` with the cause "State Machine Does Not Exist:
 * '<arn>' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; ...)")
 * and the AWS guide "Start a new AWS Step Functions state machine from a running execution"
 * (`.sync` gives DescribeExecution's response with `Output` as JSON text, `.sync:2` parsed).
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../../lambdas/engine/execution.js';
import type { Json } from '../../../lambdas/engine/json.js';
import {
  DomainWorkflows,
  childEndReport,
  type ReachableDomain,
} from '../../../lambdas/runtime/child-executions.js';
import { mapRunChildEnd } from '../../../lambdas/runtime/distributed-map/map-runs.js';
import type { InboxSender, TaskDispatch } from '../../../lambdas/runtime/ports.js';
import { TaskRouter } from '../../../lambdas/runtime/task-router.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';

const ARN = 'arn:aws:states:eu-west-1:123456789012';
const NOW = Date.parse('2026-03-01T12:00:00Z');

class RecordingInbox implements InboxSender {
  readonly sent: Json[] = [];
  async send(body: Json): Promise<void> {
    this.sent.push(body);
  }
}

function domain(name: string, workflows: readonly string[]): ReachableDomain & { inbox: RecordingInbox } {
  return {
    name,
    inbox: new RecordingInbox(),
    hasWorkflow: (workflow: string) => workflows.includes(workflow),
  };
}

function setup() {
  const orders = domain('orders', ['Doubler']);
  const shipping = domain('shipping', ['Labeller']);
  const results = new RecordingInbox();
  const router = new TaskRouter({
    transports: {
      workers: { has: () => false, send: async () => undefined },
      executions: new DomainWorkflows({
        own: orders,
        others: () => [orders, shipping],
        replyTo: 'https://sqs.eu-west-1.amazonaws.com/1/orders-public',
      }),
    },
    inbox: results,
    clock: { now: () => NOW },
  });
  return { orders, shipping, results, router };
}

function dispatch(resource: string, input: Json, token = 'engine-token-1'): TaskDispatch {
  return {
    executionId: 'Parent:p-1',
    workflow: 'Parent',
    taskToken: `signed(${token})`,
    command: {
      type: 'DispatchTask',
      token,
      resource,
      input,
      stateName: 'StartChild',
      attempt: 1,
      idempotencyKey: 'Parent:p-1:1',
      compensation: false,
    },
  };
}

describe('states:startExecution in the task router', () => {
  it('starts the child with its parent, and answers StartExecution at once (request-response)', async () => {
    const { orders, results, router } = setup();
    await router.dispatch(
      dispatch('arn:aws:states:::states:startExecution', {
        StateMachineArn: `${ARN}:stateMachine:Doubler`,
        Input: { n: 1 },
        Name: 'c-1',
      }),
    );
    expect(orders.inbox.sent).toEqual([
      {
        kind: 'StartExecution',
        workflow: 'Doubler',
        name: 'c-1',
        input: { n: 1 },
        parent: {
          executionId: 'Parent:p-1',
          integration: 'requestResponse',
          stateMachineArn: `${ARN}:stateMachine:Doubler`,
          executionArn: `${ARN}:execution:Doubler:c-1`,
        },
      },
    ]);
    expect(results.sent).toEqual([
      {
        kind: 'TaskSucceeded',
        taskToken: 'signed(engine-token-1)',
        output: {
          ExecutionArn: `${ARN}:execution:Doubler:c-1`,
          SdkHttpMetadata: { HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown as string },
          StartDate: NOW,
        },
      },
    ]);
  });

  it('names a child started without Name after the task attempt: the same dispatch names the same child', async () => {
    const { orders, router } = setup();
    const params = { StateMachineArn: `${ARN}:stateMachine:Doubler` };
    await router.dispatch(dispatch('arn:aws:states:::states:startExecution', params));
    await router.dispatch(dispatch('arn:aws:states:::states:startExecution', params));
    await router.dispatch(dispatch('arn:aws:states:::states:startExecution', params, 'engine-token-2'));
    const names = orders.inbox.sent.map((message) => (message as { name: string }).name);
    expect(names[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(names[1]).toBe(names[0]);
    expect(names[2]).not.toBe(names[0]);
    // No Input: the child starts with {}, as StartExecution without input does.
    expect((orders.inbox.sent[0] as { input: Json }).input).toEqual({});
  });

  it('.sync:2 gives the child the parent task token and reports the start as submitted', async () => {
    const { orders, results, router } = setup();
    await router.dispatch(
      dispatch('arn:aws:states:::states:startExecution.sync:2', {
        StateMachineArn: `${ARN}:stateMachine:Doubler:live`,
        Name: 'c-2',
      }),
    );
    expect(orders.inbox.sent[0]).toMatchObject({
      parent: {
        integration: 'sync:2',
        taskToken: 'signed(engine-token-1)',
        // The qualifier (a version or an alias) is left out of the state machine's ARN.
        stateMachineArn: `${ARN}:stateMachine:Doubler`,
      },
    });
    expect(results.sent).toEqual([
      {
        kind: 'TaskSubmitted',
        taskToken: 'signed(engine-token-1)',
        output: expect.objectContaining({ ExecutionArn: `${ARN}:execution:Doubler:c-2` }) as unknown as Json,
        resource: 'arn:aws:states:::states:startExecution.sync:2',
      },
    ]);
  });

  it('.waitForTaskToken starts the child with the input as given (the engine put the signed $$.Task.Token in it)', async () => {
    const { orders, results, router } = setup();
    await router.dispatch(
      dispatch('arn:aws:states:::states:startExecution.waitForTaskToken', {
        StateMachineArn: `${ARN}:stateMachine:Doubler`,
        Input: { callback: { token: 'signed(engine-token-1)' }, list: ['other'] },
        Name: 'c-3',
      }),
    );
    const start = orders.inbox.sent[0] as { input: Json; parent: Record<string, unknown> };
    expect(start.input).toEqual({ callback: { token: 'signed(engine-token-1)' }, list: ['other'] });
    expect(start.parent.taskToken).toBeUndefined();
    expect(start.parent.integration).toBe('waitForTaskToken');
    expect(results.sent.map((message) => (message as { kind: string }).kind)).toEqual(['TaskSubmitted']);
  });

  it('parses a string Input as JSON, and fails the task when it is not JSON', async () => {
    const { orders, results, router } = setup();
    const resource = 'arn:aws:states:::states:startExecution';
    await router.dispatch(
      dispatch(resource, { StateMachineArn: `${ARN}:stateMachine:Doubler`, Input: '{"n":2}' }),
    );
    expect((orders.inbox.sent[0] as { input: Json }).input).toEqual({ n: 2 });
    await router.dispatch(
      dispatch(resource, { StateMachineArn: `${ARN}:stateMachine:Doubler`, Input: '{n' }),
    );
    expect(results.sent[1]).toMatchObject({
      kind: 'TaskFailed',
      error: 'StepFunctions.InvalidExecutionInputException',
    });
  });

  it('fails with StepFunctions.StateMachineDoesNotExistException for a workflow no domain deploys', async () => {
    const { orders, results, router } = setup();
    const arn = `${ARN}:stateMachine:Nothing`;
    await router.dispatch(dispatch('arn:aws:states:::states:startExecution.sync', { StateMachineArn: arn }));
    expect(orders.inbox.sent).toEqual([]);
    expect(results.sent).toEqual([
      {
        kind: 'TaskFailed',
        taskToken: 'signed(engine-token-1)',
        error: 'StepFunctions.StateMachineDoesNotExistException',
        cause: `State Machine Does Not Exist: '${arn}' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist)`,
      },
    ]);
  });

  it('fails with StepFunctions.InvalidArnException for a StateMachineArn that is not one', async () => {
    const { results, router } = setup();
    await router.dispatch(
      dispatch('arn:aws:states:::states:startExecution', {
        StateMachineArn: 'arn:aws:lambda:eu-west-1:1:function:f',
      }),
    );
    expect(results.sent[0]).toMatchObject({ kind: 'TaskFailed', error: 'StepFunctions.InvalidArnException' });
  });

  it('fails with States.TaskFailed naming the parameter when Name or StateMachineArn is bad', async () => {
    const { results, router } = setup();
    await router.dispatch(dispatch('arn:aws:states:::states:startExecution', { Name: 'x' }));
    await router.dispatch(
      dispatch('arn:aws:states:::states:startExecution', {
        StateMachineArn: `${ARN}:stateMachine:Doubler`,
        Name: 'a b',
      }),
    );
    expect(results.sent).toMatchObject([
      { kind: 'TaskFailed', error: 'States.TaskFailed', cause: expect.stringContaining('StateMachineArn') },
      { kind: 'TaskFailed', error: 'States.TaskFailed', cause: expect.stringContaining('Name') },
    ]);
  });

  it("starts a workflow of another domain, whose child reports to the parent's domain", async () => {
    const { orders, shipping, router } = setup();
    await router.dispatch(
      dispatch('arn:aws:states:::states:startExecution.sync:2', {
        StateMachineArn: `${ARN}:stateMachine:Labeller`,
        Name: 'l-1',
      }),
    );
    expect(orders.inbox.sent).toEqual([]);
    // The child's wiring may know the parent's domain by name only locally: the parent says where to report.
    expect(shipping.inbox.sent[0]).toMatchObject({
      workflow: 'Labeller',
      parent: { domain: 'orders', replyTo: 'https://sqs.eu-west-1.amazonaws.com/1/orders-public' },
    });
  });

  it('stops a .sync child when its task is cancelled, in the domain that runs it', async () => {
    const { shipping, router } = setup();
    const cancel = (resource: string) =>
      router.cancelTask({
        executionId: 'Parent:p-1',
        command: {
          type: 'CancelTask',
          token: 'engine-token-1',
          resource,
          submitted: { ExecutionArn: `${ARN}:execution:Labeller:l-1` },
        },
      });
    await cancel('arn:aws:states:::states:startExecution.sync');
    await cancel('arn:aws:states:::states:startExecution.waitForTaskToken');
    await cancel('arn:aws:states:::states:startExecution');
    expect(shipping.inbox.sent).toEqual([
      {
        kind: 'StopExecution',
        executionId: 'Labeller:l-1',
        error: 'States.Aborted',
        cause: 'The parent execution Parent:p-1 was stopped',
      },
    ]);
  });
});

describe("a child's end, reported to its parent", () => {
  const report = (
    integration: 'sync' | 'sync:2',
    end: Partial<Extract<Command, { type: 'ReportToParent' }>>,
  ) =>
    childEndReport({
      type: 'ReportToParent',
      parent: {
        executionId: 'Parent:p-1',
        integration,
        stateMachineArn: `${ARN}:stateMachine:Doubler`,
        executionArn: `${ARN}:execution:Doubler:c-1`,
        taskToken: 'signed(t)',
      },
      status: 'SUCCEEDED',
      input: { n: 1 },
      output: { doubled: 2 },
      startTime: NOW,
      stopTime: NOW + 5,
      redriveCount: 0,
      ...end,
    });

  it('.sync:2 succeeds with DescribeExecution, Input and Output parsed', () => {
    expect(report('sync:2', {})).toEqual({
      kind: 'TaskSucceeded',
      taskToken: 'signed(t)',
      output: {
        ExecutionArn: `${ARN}:execution:Doubler:c-1`,
        Input: { n: 1 },
        InputDetails: { Included: true },
        Name: 'c-1',
        Output: { doubled: 2 },
        OutputDetails: { Included: true },
        RedriveCount: 0,
        StartDate: NOW,
        StateMachineArn: `${ARN}:stateMachine:Doubler`,
        Status: 'SUCCEEDED',
        StopDate: NOW + 5,
      },
    });
  });

  it('.sync keeps Input and Output as JSON text', () => {
    expect(report('sync', {})).toMatchObject({ output: { Input: '{"n":1}', Output: '{"doubled":2}' } });
  });

  it('fails the task with States.TaskFailed when the child did not succeed, the description as the cause', () => {
    const failed = report('sync', { status: 'FAILED', output: undefined, error: 'E', cause: 'C' }) as {
      kind: string;
      error: string;
      cause: string;
    };
    expect(failed.kind).toBe('TaskFailed');
    expect(failed.error).toBe('States.TaskFailed');
    const cause = JSON.parse(failed.cause) as Record<string, unknown>;
    expect(cause).toMatchObject({ Status: 'FAILED', Error: 'E', Cause: 'C', Input: '{"n":1}' });
    expect(cause.Output).toBeUndefined();
  });
});

describe('a redelivered dispatch', () => {
  it('starts one child only, and the parent gets one result', async () => {
    const inProcess = new InProcessDomain();
    await inProcess.deploy('Child', {
      StartAt: 'Done',
      States: { Done: { Type: 'Pass', Parameters: { 'got.$': '$.n' }, End: true } },
    });
    await inProcess.deploy('Parent', {
      StartAt: 'StartChild',
      States: {
        StartChild: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: `${ARN}:stateMachine:Child`, Input: { n: 3 } },
          OutputPath: '$.Output',
          End: true,
        },
      },
    });
    // The orchestrator dies after the child's start was sent, before the message was acknowledged:
    // the message comes back and the commit's dispatch is performed again.
    const dispatchOnce = inProcess.ports.tasks.dispatch.bind(inProcess.ports.tasks);
    let crashed = false;
    (inProcess.ports.tasks as { dispatch: typeof dispatchOnce }).dispatch = async (task) => {
      await dispatchOnce(task);
      if (!crashed && task.command.resource.includes('startExecution')) {
        crashed = true;
        throw new Error('crash after the child start was sent');
      }
    };
    inProcess.start('Parent', {}, 'p-1');
    await inProcess.runUntilIdle();

    const starts = inProcess.sent
      .map((body) => JSON.parse(body) as { kind: string; workflow?: string; name?: string })
      .filter((message) => message.kind === 'StartExecution' && message.workflow === 'Child');
    expect(starts).toHaveLength(2);
    expect(starts[1]?.name).toBe(starts[0]?.name);
    const children = await inProcess.store.list({ workflow: 'Child' });
    expect(children.items).toHaveLength(1);

    const parent = await inProcess.store.load('Parent:p-1');
    expect(parent?.execution.status).toBe('SUCCEEDED');
    expect(parent?.execution.output).toEqual({ got: 3 });
    const history = (await inProcess.store.history('Parent:p-1')).events.map((event) => event.type);
    expect(history.filter((type) => type === 'TaskSubmitted')).toHaveLength(1);
    expect(history.filter((type) => type === 'TaskSucceeded')).toHaveLength(1);
  });
});

describe('a parent stopped before its child was reported started', () => {
  it('stops the child when the late TaskSubmitted comes', async () => {
    const inProcess = new InProcessDomain();
    await inProcess.deploy('Child', {
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', Seconds: 600, End: true } },
    });
    await inProcess.deploy('Parent', {
      StartAt: 'StartChild',
      States: {
        StartChild: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: `${ARN}:stateMachine:Child`, Name: 'c-1' },
          End: true,
        },
      },
    });
    // The parent is stopped while its task is being dispatched: the stop reaches the inbox ahead of
    // the child's start and of the TaskSubmitted that would tell the parent about the child.
    const dispatchNow = inProcess.ports.tasks.dispatch.bind(inProcess.ports.tasks);
    (inProcess.ports.tasks as { dispatch: typeof dispatchNow }).dispatch = async (task) => {
      inProcess.send({ kind: 'StopExecution', executionId: 'Parent:p-1' });
      await dispatchNow(task);
    };
    inProcess.start('Parent', {}, 'p-1');
    // Without moving the clock: the child's Wait would otherwise end it.
    await inProcess.runVisible();
    expect((await inProcess.store.load('Parent:p-1'))?.execution.status).toBe('ABORTED');
    const child = await inProcess.store.load('Child:c-1');
    expect(child?.execution.status).toBe('ABORTED');
    expect(child?.execution.cause).toBe('The parent execution Parent:p-1 was stopped');
  });
});

describe('a child name already taken', () => {
  it('fails the task of another attempt with StepFunctions.ExecutionAlreadyExistsException instead of waiting for ever', async () => {
    const inProcess = new InProcessDomain();
    await inProcess.deploy('Child', {
      StartAt: 'No',
      States: { No: { Type: 'Fail', Error: 'Child.Failed' } },
    });
    await inProcess.deploy('Parent', {
      StartAt: 'StartChild',
      States: {
        StartChild: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync',
          // A fixed name: the Retry's attempt starts a child of the same name.
          Parameters: { StateMachineArn: `${ARN}:stateMachine:Child`, Name: 'only-once' },
          Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1, IntervalSeconds: 1 }],
          End: true,
        },
      },
    });
    inProcess.start('Parent', {}, 'p-1');
    await inProcess.runUntilIdle();
    const parent = (await inProcess.store.load('Parent:p-1'))?.execution;
    expect(parent?.status).toBe('FAILED');
    expect(parent?.error).toBe('StepFunctions.ExecutionAlreadyExistsException');
    expect(parent?.cause).toBe(
      `Execution Already Exists: '${ARN}:execution:Child:only-once' (Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionAlreadyExists)`,
    );
    expect((await inProcess.store.list({ workflow: 'Child' })).items).toHaveLength(1);
  });
});

describe('a compensation that runs a child execution', () => {
  it('waits for the child and ends the saga COMPENSATED', async () => {
    const inProcess = new InProcessDomain({
      workers: {
        fail: () => {
          throw new Error('boom');
        },
      },
    });
    await inProcess.deploy('Refund', {
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', Seconds: 5, Next: 'Done' }, Done: { Type: 'Pass', End: true } },
    });
    await inProcess.deploy('Saga', {
      StartAt: 'Charge',
      States: {
        Charge: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution',
          Parameters: { StateMachineArn: `${ARN}:stateMachine:Refund`, Name: 'charge-noop' },
          Compensate: {
            Resource: 'arn:aws:states:::states:startExecution.sync:2',
            Parameters: { StateMachineArn: `${ARN}:stateMachine:Refund`, Name: 'refund-1' },
          },
          Next: 'Ship',
        },
        Ship: { Type: 'Task', Resource: 'baton:worker:fail', End: true },
      },
    });
    inProcess.start('Saga', {}, 's-1');
    await inProcess.runUntilIdle();
    expect((await inProcess.store.load('Saga:s-1'))?.execution.status).toBe('COMPENSATED');
    expect((await inProcess.store.load('Refund:refund-1'))?.execution.status).toBe('SUCCEEDED');
  });
});

describe("a Distributed Map child's end", () => {
  it('names the child as its execution ARN does, after the last colon of <workflow>/<label>:<name>', () => {
    const executionArn = `${ARN}:execution:Tally/Items:run-1-0`;
    const command: Extract<Command, { type: 'ReportToParent' }> = {
      type: 'ReportToParent',
      parent: {
        executionId: 'Tally:t-1',
        integration: 'sync:2',
        stateMachineArn: `${ARN}:stateMachine:Tally/Items`,
        executionArn,
      },
      status: 'SUCCEEDED',
      input: { n: 1 },
      output: { value: 2 },
      startTime: NOW,
      stopTime: NOW + 10,
      redriveCount: 0,
    };
    const ended = mapRunChildEnd(command, { mapRunId: 'run-1', chunk: 0, child: 0, firstItem: 0, items: 1 });
    expect(ended).toMatchObject({
      kind: 'MapRunChildEnded',
      mapRunId: 'run-1',
      chunk: 0,
      outcome: { child: 0, status: 'SUCCEEDED', executionArn, name: 'run-1-0', output: { value: 2 } },
    });
  });
});
