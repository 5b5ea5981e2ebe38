/**
 * One behaviour suite for the control plane, run against each wiring of it (see
 * test/integration/control-plane.test.ts and the deployment simulation): the same request must get
 * the same answer from each, except where a wiring cannot know (a deployed stack lists no workflow
 * names; only a wiring that holds the signing key refuses a forged token before the inbox does).
 * Every wiring hosts the example app's domains.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isStateEntered, type ExecutionStatus } from '../../lambdas/engine/execution.js';
import { ConflictError, NotFoundError, type LocalControl } from '../../local/control.js';
import { orderPlaced as order } from './example-orders.js';

/** A running wiring of the control plane. */
export interface WiredControl {
  readonly control: Omit<LocalControl, 'subscribe'>;
  close(): Promise<void>;
}

/** A wiring, and what it can know. */
export interface ControlPlaneWiring {
  readonly name: string;
  start(): Promise<WiredControl>;
  /** It lists each domain's workflows (a deployed stack's table has no index of names). */
  readonly listsWorkflows: boolean;
  /** It holds the signing key, so it refuses a forged task token itself. */
  readonly verifiesTokens: boolean;
  /** It registers workflow definitions (a local instance); a deployed stack's come with its deploy. */
  readonly registersWorkflows: boolean;
}

/** A Distributed Map over the input's items, STANDARD children, one failed item tolerated. */
const tallyItems = {
  StartAt: 'Sum',
  States: {
    Sum: {
      Type: 'Map',
      Label: 'Items',
      ItemsPath: '$.items',
      ItemSelector: { 'n.$': '$$.Map.Item.Value' },
      MaxConcurrency: 2,
      ToleratedFailureCount: 1,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [{ Variable: '$.n', NumericGreaterThan: 100, Next: 'TooBig' }],
            Default: 'Double',
          },
          TooBig: { Type: 'Fail', Error: 'TooBig', Cause: 'over 100' },
          Double: { Type: 'Pass', Parameters: { 'value.$': 'States.MathAdd($.n, $.n)' }, End: true },
        },
      },
      End: true,
    },
  },
};

export function describeControlPlane(wiring: ControlPlaneWiring): void {
  describe(`the control plane on ${wiring.name}`, () => {
    let wired: WiredControl;
    let control: WiredControl['control'];

    beforeAll(async () => {
      wired = await wiring.start();
      control = wired.control;
    }, 60_000);

    afterAll(async () => {
      await wired?.close();
    });

    async function until(executionId: string, status: ExecutionStatus) {
      return vi.waitFor(
        async () => {
          const found = await control.describe(executionId);
          expect(found.status).toBe(status);
          return found;
        },
        { timeout: 45_000, interval: 50 },
      );
    }

    it('lists both domains, with their workflows where the wiring knows them', async () => {
      const domains = await control.domains();
      expect(domains.map((domain) => domain.name)).toEqual(['orders', 'shipping']);
      if (!wiring.listsWorkflows) return;
      expect(domains.map((domain) => domain.workflows.map((workflow) => workflow.name))).toEqual([
        ['PlaceOrder'],
        ['ScheduleShipment'],
      ]);
      expect(domains[0]?.workers).toContain('payment-charge');
    });

    it('registers each new definition of a workflow as a new version; running executions keep theirs', async () => {
      const saying = (word: string, seconds = 1) => ({
        StartAt: 'Wait',
        States: {
          Wait: { Type: 'Wait', Seconds: seconds, Next: 'Say' },
          Say: { Type: 'Pass', Result: word, End: true },
        },
      });
      if (!wiring.registersWorkflows) {
        await expect(
          control.registerWorkflow({ workflow: 'Hello', definition: saying('v1'), domain: 'orders' }),
        ).rejects.toThrow(ConflictError);
        return;
      }
      const first = await control.registerWorkflow({
        workflow: 'Hello',
        definition: saying('v1'),
        domain: 'orders',
      });
      expect(first).toEqual({
        workflow: 'Hello',
        domain: 'orders',
        version: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
      await control.start({ workflow: 'Hello', name: 'reg-1', input: {} });
      await until('Hello:reg-1', 'RUNNING');

      // The domain that has the workflow takes its next version.
      const second = await control.registerWorkflow({ workflow: 'Hello', definition: saying('v2') });
      expect(second).toMatchObject({ workflow: 'Hello', domain: 'orders', previousVersion: first.version });
      expect(second.version).not.toBe(first.version);
      await control.start({ workflow: 'Hello', name: 'reg-2', input: {} });

      const old = await until('Hello:reg-1', 'SUCCEEDED');
      expect(old).toMatchObject({ workflowVersion: first.version, output: 'v1' });
      const current = await until('Hello:reg-2', 'SUCCEEDED');
      expect(current).toMatchObject({ workflowVersion: second.version, output: 'v2' });

      // The same content again is the same version.
      expect(await control.registerWorkflow({ workflow: 'Hello', definition: saying('v2') })).toEqual({
        ...second,
        previousVersion: second.version,
      });
      await expect(
        control.registerWorkflow({ workflow: 'Hello', definition: { StartAt: 'Nowhere', States: {} } }),
      ).rejects.toThrow(/\/StartAt/);
      // A new workflow in a host of several domains: which one must be said.
      await expect(
        control.registerWorkflow({ workflow: 'Unplaced', definition: saying('x') }),
      ).rejects.toThrow(ConflictError);
    });

    it('starts the workflow an event triggers, named by its business key, and runs it to its end', async () => {
      const [eventId] = await control.publish([order('cp-1', 'cust-42', 20)]);
      expect(eventId).toEqual(expect.any(String));
      const done = await until('PlaceOrder:cp-1', 'SUCCEEDED');
      expect(done.domain).toBe('orders');
      const history = await control.history('PlaceOrder:cp-1');
      expect(history[0]?.type).toBe('ExecutionStarted');
      expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
    });

    it('compensates a declined payment', async () => {
      await control.publish([order('cp-2', 'cust-declined', 20)]);
      await until('PlaceOrder:cp-2', 'COMPENSATED');
      const types = (await control.history('PlaceOrder:cp-2')).map((event) => event.type);
      expect(types).toContain('CompensationStarted');
      expect(types.at(-1)).toBe('CompensationSucceeded');
    });

    it('starts by name, and refuses a name that is taken', async () => {
      const input = order('cp-3', 'cust-42', 20).detail;
      expect(await control.start({ workflow: 'PlaceOrder', name: 'cp-3', input })).toBe('PlaceOrder:cp-3');
      await until('PlaceOrder:cp-3', 'SUCCEEDED');
      await expect(control.start({ workflow: 'PlaceOrder', name: 'cp-3', input })).rejects.toThrow(
        new ConflictError('An execution named PlaceOrder:cp-3 already exists'),
      );
    });

    it('names an execution started without a name with a UUID', async () => {
      const id = await control.start({ workflow: 'PlaceOrder', input: order('cp-4', 'cust-42', 20).detail });
      expect(id).toMatch(/^PlaceOrder:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('answers unknown names with NotFoundError', async () => {
      await expect(control.start({ workflow: 'Nope', input: {} })).rejects.toThrow(
        new NotFoundError('No workflow named Nope'),
      );
      await expect(control.describe('PlaceOrder:nope')).rejects.toThrow(
        new NotFoundError('No execution named PlaceOrder:nope'),
      );
      await expect(control.history('PlaceOrder:nope')).rejects.toThrow(NotFoundError);
    });

    it('refuses to redrive, stop or rerun what cannot be', async () => {
      await control.publish([order('cp-5', 'cust-42', 20)]);
      await until('PlaceOrder:cp-5', 'SUCCEEDED');
      await expect(control.redrive('PlaceOrder:cp-5')).rejects.toThrow(
        'Execution PlaceOrder:cp-5 is SUCCEEDED: only a FAILED, TIMED_OUT, ABORTED or COMPENSATION_FAILED execution can be redriven',
      );
      await expect(control.stop('PlaceOrder:cp-5', {})).rejects.toThrow(ConflictError);
      await expect(control.rerun('PlaceOrder:cp-5', { fromState: 'Nope' })).rejects.toThrow(
        "has no top-level state named 'Nope'",
      );
    });

    it('waits for a correlated event, and can be stopped with its steps undone', async () => {
      await control.publish([order('cp-6', 'cust-7', 2500)]);
      await vi.waitFor(
        async () => {
          const history = await control.history('PlaceOrder:cp-6');
          expect(
            history.some(
              (event) => event.type === 'TaskScheduled' && event.stateName === 'WaitForFraudCheck',
            ),
          ).toBe(true);
        },
        { timeout: 45_000, interval: 50 },
      );
      await control.stop('PlaceOrder:cp-6', { compensate: true, cause: 'customer cancelled' });
      const stopped = await until('PlaceOrder:cp-6', 'COMPENSATED');
      expect(stopped.cause).toContain('customer cancelled');
    });

    it('completes a waiting state with the event it waits for', async () => {
      await control.publish([order('cp-7', 'cust-7', 2500)]);
      await until('PlaceOrder:cp-7', 'RUNNING');
      await vi.waitFor(
        async () => {
          const history = await control.history('PlaceOrder:cp-7');
          expect(
            history.some((event) => isStateEntered(event) && event.stateName === 'WaitForFraudCheck'),
          ).toBe(true);
        },
        { timeout: 45_000, interval: 50 },
      );
      await control.publish([
        {
          source: 'com.example.fraud',
          detailType: 'Fraud Check Completed',
          detail: { orderId: 'cp-7', verdict: 'APPROVED' },
        },
      ]);
      await until('PlaceOrder:cp-7', 'SUCCEEDED');
    });

    it('refuses task tokens that name no task, or a task that is over, before they reach the inbox', async () => {
      await expect(control.sendTaskSuccess('not-a-token', {})).rejects.toThrow(
        new NotFoundError('No task is waiting for this task token'),
      );
      await until('PlaceOrder:cp-1', 'SUCCEEDED');
      const claims = Buffer.from(JSON.stringify({ e: 'PlaceOrder:cp-1', t: 'root:1:1' })).toString(
        'base64url',
      );
      // A wiring with the signing key refuses the forged signature; one without it (a deployed
      // stack) still refuses the token of a task that is over.
      await expect(control.sendTaskSuccess(`v1.${claims}.forged`, {})).rejects.toThrow(
        wiring.verifiesTokens
          ? new NotFoundError('No task is waiting for this task token (it does not verify)')
          : new ConflictError(
              'The task of this token is no longer waiting: its state moved on or the execution ended',
            ),
      );
    });

    it('answers Map Run requests about unknown names with NotFoundError', async () => {
      await control.publish([order('cp-8', 'cust-42', 20)]);
      await until('PlaceOrder:cp-8', 'SUCCEEDED');
      expect(await control.listMapRuns('PlaceOrder:cp-8')).toEqual([]);
      await expect(control.listMapRuns('PlaceOrder:nope')).rejects.toThrow(
        new NotFoundError('No execution named PlaceOrder:nope'),
      );
      const unknown = 'arn:aws:states:us-east-1:123456789012:mapRun:Nope/Label:0000';
      await expect(control.describeMapRun(unknown)).rejects.toThrow(
        new NotFoundError(`No Map Run ${unknown}`),
      );
      await expect(control.describeMapRun('not-an-arn')).rejects.toThrow(
        /^No Map Run not-an-arn: a Map Run ARN reads arn:<partition>:states:<region>:<account>:mapRun:<workflow>\/<label>:<id>$/,
      );
    });

    it('lists and describes the Map Runs of a Distributed Map, with counts by status and the STANDARD children', async () => {
      // A deployed stack's definitions come with its deploy: the local wirings register this one.
      if (!wiring.registersWorkflows) return;
      await control.registerWorkflow({ workflow: 'Tally', definition: tallyItems, domain: 'orders' });
      const id = await control.start({
        workflow: 'Tally',
        name: 'map-1',
        input: { items: [1, 2, 3, 500, 4] },
      });
      const done = await until(id, 'SUCCEEDED');
      const [arn] = done.mapRuns ?? [];
      expect(arn).toMatch(/^arn:aws:states:[^:]+:\d{12}:mapRun:Tally\/Items:[0-9a-f-]{36}$/);
      // Counts as DescribeMapRun gives them (LocalStack's AWS-recorded
      // test_sfn_api_map_run.snapshot.json: every field of itemCounts and executionCounts, and the
      // tolerated failure not set reported as 0 and 0.0).
      const counts = {
        pending: 0,
        running: 0,
        succeeded: 4,
        failed: 1,
        timedOut: 0,
        aborted: 0,
        total: 5,
        resultsWritten: 5,
      };
      const listed = await control.listMapRuns(id);
      expect(listed).toEqual([
        {
          mapRunArn: arn,
          executionArn: expect.stringMatching(/:execution:Tally:map-1$/),
          stateMachineArn: expect.stringMatching(/:stateMachine:Tally\/Items$/),
          startDate: expect.any(String),
          stopDate: expect.any(String),
          stateName: 'Sum',
          label: 'Items',
          status: 'SUCCEEDED',
          itemCounts: counts,
          executionCounts: counts,
        },
      ]);
      const described = await control.describeMapRun(arn as string);
      expect(described).toMatchObject({
        mapRunArn: arn,
        executionId: id,
        executionArn: listed[0]?.executionArn,
        stateName: 'Sum',
        label: 'Items',
        executionType: 'STANDARD',
        childWorkflow: 'Tally/Items',
        status: 'SUCCEEDED',
        maxConcurrency: 2,
        toleratedFailureCount: 1,
        toleratedFailurePercentage: 0,
        itemCounts: counts,
        executionCounts: counts,
        redriveCount: 0,
      });
      expect(described.children.map((child) => [child.child, child.status, child.items])).toEqual([
        [0, 'SUCCEEDED', 1],
        [1, 'SUCCEEDED', 1],
        [2, 'SUCCEEDED', 1],
        [3, 'FAILED', 1],
        [4, 'SUCCEEDED', 1],
      ]);
      expect(described.children[3]).toMatchObject({ error: 'TooBig', cause: 'over 100' });
      // Each STANDARD child is an execution of its own, described by the id the Map Run gives.
      const child = await control.describe(described.children[0]?.executionId as string);
      expect(child).toMatchObject({
        workflow: 'Tally/Items',
        status: 'SUCCEEDED',
        output: { value: 2 },
        parent: { executionId: id, integration: 'sync:2', mapRun: { mapRunArn: arn, child: 0 } },
      });
      expect(await control.list({ workflow: 'Tally/Items' })).toHaveLength(5);
    });

    it('lists executions newest first, filtered by workflow and status', async () => {
      const listed = await control.list({ workflow: 'PlaceOrder', status: 'SUCCEEDED' });
      expect(listed.length).toBeGreaterThanOrEqual(3);
      expect(listed.every((item) => item.status === 'SUCCEEDED' && item.domain === 'orders')).toBe(true);
      const starts = listed.map((item) => item.startTime);
      expect(starts).toEqual([...starts].sort().reverse());
    });
  });
}
