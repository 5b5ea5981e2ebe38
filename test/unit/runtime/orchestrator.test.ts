import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../../lambdas/engine/definition.js';
import { parseInboxMessage } from '../../../lambdas/runtime/inbox-messages.js';
import { Orchestrator, RejectedMessageError } from '../../../lambdas/runtime/orchestrator.js';
import { VersionConflictError, type ExecutionStore } from '../../../lambdas/runtime/ports.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';

const waitThenWork = {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'baton:worker:work',
      Compensate: { Resource: 'baton:worker:undo' },
      Next: 'Wait',
    },
    Wait: { Type: 'Wait', Seconds: 86_400, Next: 'More' },
    More: { Type: 'Task', Resource: 'baton:worker:fail', End: true },
  },
} satisfies StateMachineDefinition;

function domain(calls: string[] = []) {
  return new InProcessDomain({
    workers: {
      work: () => (calls.push('work'), 'done'),
      undo: () => (calls.push('undo'), null),
      fail: () => {
        calls.push('fail');
        throw new Error('boom');
      },
    },
  });
}

describe('Orchestrator', () => {
  it('waits with its backoff between deciding again after conflicts, then gives up', async () => {
    const waits: number[] = [];
    const d = domain();
    await d.deploy('W', waitThenWork);
    // Another process commits first every time.
    const store = {
      ...d.store,
      load: d.store.load.bind(d.store),
      commit: async (transition: { executionId: string; version: number }) => {
        throw new VersionConflictError(transition.executionId, transition.version - 1);
      },
    } as unknown as ExecutionStore;
    const orchestrator = new Orchestrator({
      ports: { ...d.ports, store },
      signer: d.signer,
      eventSource: 'test',
      maxConflictRetries: 3,
      conflictBackoff: async (attempt) => {
        waits.push(attempt);
      },
    });
    await expect(
      orchestrator.handle(parseInboxMessage({ kind: 'StartExecution', workflow: 'W', input: {} }), 'm-1'),
    ).rejects.toThrow(VersionConflictError);
    expect(waits).toEqual([0, 1, 2]);
  });

  it('rejects a start for a workflow that was never deployed', async () => {
    const d = domain();
    await expect(
      d.orchestrator.handle(
        parseInboxMessage({ kind: 'StartExecution', workflow: 'Nope', input: {} }),
        'm-1',
      ),
    ).rejects.toThrow(RejectedMessageError);
  });

  it('stops an execution with compensation on request', async () => {
    const calls: string[] = [];
    const d = domain(calls);
    await d.deploy('W', waitThenWork);
    d.start('W', {}, 'e-1');
    await d.runVisible();
    d.send({
      kind: 'StopExecution',
      executionId: 'W:e-1',
      compensate: true,
      cause: 'customer cancelled',
    });
    await d.runVisible();
    const execution = (await d.store.load('W:e-1'))?.execution;
    expect(execution?.status).toBe('COMPENSATED');
    expect(execution?.cause).toBe('customer cancelled');
    expect(calls).toEqual(['work', 'undo']);
  });

  it('redrives a failed execution from the failed state on request', async () => {
    const calls: string[] = [];
    const d = domain(calls);
    await d.deploy('R', {
      StartAt: 'Flaky',
      States: { Flaky: { Type: 'Task', Resource: 'baton:worker:fail', End: true } },
    });
    d.start('R', {}, 'r-1');
    await d.runUntilIdle();
    expect((await d.store.load('R:r-1'))?.execution.status).toBe('FAILED');
    d.send({ kind: 'RedriveExecution', executionId: 'R:r-1' });
    await d.runUntilIdle();
    const execution = (await d.store.load('R:r-1'))?.execution;
    expect(execution?.redriveCount).toBe(1);
    expect(calls).toEqual(['fail', 'fail']);
  });

  it('ignores a timer for an execution that does not exist', async () => {
    const d = domain();
    const result = await d.orchestrator.handle(
      parseInboxMessage({ kind: 'TimerFired', executionId: 'W:missing', timerId: 'exec:timeout' }),
      'm-2',
    );
    expect(result).toEqual({ type: 'ignored', executionId: 'W:missing', reason: 'no such execution' });
  });

  it('publishes lifecycle events with a stable schema and a deterministic id', async () => {
    const d = domain();
    await d.deploy('R', { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    d.start('R', { a: 1 }, 'p-1');
    await d.runUntilIdle();
    expect(d.published.map((event) => [event.source, event.detailType])).toEqual([
      ['baton.local', 'Execution Started'],
      ['baton.local', 'Execution Succeeded'],
    ]);
    expect(d.published[1]?.detail).toMatchObject({
      executionId: 'R:p-1',
      name: 'p-1',
      stateMachineName: 'R',
      status: 'SUCCEEDED',
      eventId: 'R:p-1:Execution Succeeded:0',
    });
  });
});

describe('rerun from a state', () => {
  it('starts a new execution of a pinned version at the given top-level state', async () => {
    const calls: string[] = [];
    const d = domain(calls);
    const ref = await d.deploy('W', waitThenWork);
    d.send({
      kind: 'StartExecution',
      workflow: 'W',
      name: 'rerun-1',
      input: { x: 1 },
      startAt: 'More',
      version: ref.version,
    });
    await d.runUntilIdle();
    const execution = (await d.store.load('W:rerun-1'))?.execution;
    expect(execution?.status).toBe('FAILED');
    expect(calls).toEqual(['fail']);
  });

  it('fails the execution clearly when the state to start at does not exist', async () => {
    const d = domain();
    await d.deploy('W', waitThenWork);
    d.send({ kind: 'StartExecution', workflow: 'W', name: 'rerun-2', input: {}, startAt: 'Nope' });
    await d.runUntilIdle();
    const execution = (await d.store.load('W:rerun-2'))?.execution;
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(execution?.cause).toContain("Cannot start at 'Nope'");
  });
});
