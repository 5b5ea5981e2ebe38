import { distributedMapExecutor } from '../../../lambdas/engine/decide/distributed-map-state.js';
import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../../lambdas/engine/definition.js';
import { parseInboxMessage, type InboxMessage } from '../../../lambdas/runtime/inbox-messages.js';
import {
  Orchestrator,
  RejectedMessageError,
  type HandleResult,
} from '../../../lambdas/runtime/orchestrator.js';
import { isPending } from '../../../lambdas/runtime/awaitable.js';
import {
  VersionConflictError,
  type ExecutionStore,
  type OrchestratorPorts,
  type StoredExecution,
  type Transition,
  TransitionTooLargeError,
} from '../../../lambdas/runtime/ports.js';
import { TaskTokenSigner } from '../../../lambdas/runtime/task-token.js';
import { InProcessDomain } from '../../../testing/in-process-domain.js';
import { bundledJsonata } from '../../../lambdas/engine/jsonata/bundled-jsonata.js';
import { assertValidDefinitionWith } from '../../../lambdas/engine/definition-validator.js';

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
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
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

/**
 * The ports of one workflow in one process that answer at once, as runWorkflow's do: the store
 * keeps the latest version of each execution; everything else is recorded.
 */
function readyPorts(definition: StateMachineDefinition) {
  const latest = new Map<string, StoredExecution>();
  const commits: Transition[] = [];
  const dispatched: string[] = [];
  const tokens: string[] = [];
  const timers: string[] = [];
  const ref = { name: 'Ready', version: 'v1' };
  const store = {
    load: (executionId: string) => latest.get(executionId),
    commit: (transition: Transition) => {
      // The guard of every store: only the writer of the next version wins.
      if ((latest.get(transition.executionId)?.version ?? 0) !== transition.version - 1)
        throw new VersionConflictError(transition.executionId, transition.version - 1);
      commits.push(transition);
      latest.set(transition.executionId, { ...transition });
    },
    findMessageVersion: () => undefined,
    loadCommands: (_executionId: string, version: number) => commits[version - 1]?.commands,
    history: () => Promise.resolve({ events: [] }),
    list: () => Promise.resolve({ items: [] }),
    writeIndex: () => undefined,
  } satisfies ExecutionStore;
  const ports: OrchestratorPorts = {
    store,
    definitions: { put: () => Promise.resolve(ref), get: () => definition, latest: () => ref },
    tasks: {
      dispatch: (task) => {
        dispatched.push(task.command.stateName);
        tokens.push(task.taskToken);
      },
    },
    events: { publish: () => undefined },
    timers: { schedule: (timer) => void timers.push(timer.timerId), cancel: () => undefined },
    clock: { now: () => Date.parse('2026-01-01T00:00:00Z') },
  };
  return { ports, commits, dispatched, latest, tokens, timers };
}

const SIGNER = new TaskTokenSigner('k'.repeat(32));
const twoTasks = {
  StartAt: 'A',
  States: {
    A: { Type: 'Task', Resource: 'baton:worker:a', Next: 'B' },
    B: { Type: 'Task', Resource: 'baton:worker:b', End: true },
  },
} satisfies StateMachineDefinition;

describe('Orchestrator on ports that answer at once', () => {
  it('applies a message synchronously, with the same result as handle', () => {
    const { ports, dispatched } = readyPorts(twoTasks);
    const orchestrator = new Orchestrator({
      ports,
      signer: SIGNER,
      eventSource: 'test',
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
    });
    const result = orchestrator.handleNow(
      { kind: 'StartExecution', workflow: 'Ready', name: 'r-1', input: {} },
      'm-1',
    );
    expect(isPending(result)).toBe(false);
    expect(result).toEqual({ type: 'applied', executionId: 'Ready:r-1', version: 1, status: 'RUNNING' });
    expect(dispatched).toEqual(['A']);
  });

  it('performs every command of a transition before reporting the first that failed', async () => {
    const { ports, commits } = readyPorts({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'baton:worker:a', End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Task', Resource: 'baton:worker:b', End: true } } },
          ],
        },
      },
    });
    const tried: string[] = [];
    const orchestrator = new Orchestrator({
      ports: {
        ...ports,
        tasks: {
          dispatch: (task) => {
            tried.push(task.command.stateName);
            if (task.command.stateName === 'A') throw new Error('queue A is down');
          },
        },
      },
      signer: SIGNER,
      eventSource: 'test',
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
    });
    await expect(
      orchestrator.handle({ kind: 'StartExecution', workflow: 'Ready', name: 'p-1', input: {} }, 'm-1'),
    ).rejects.toThrow('queue A is down');
    // Committed first, then both dispatches tried: the redelivery performs them again.
    expect(commits).toHaveLength(1);
    expect(tried).toEqual(['A', 'B']);
  });

  it('applies a message for an execution only after the one before it, even when that one waits', async () => {
    const { ports, latest } = readyPorts(twoTasks);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstLoad = true;
    const orchestrator = new Orchestrator({
      ports: {
        ...ports,
        store: {
          ...ports.store,
          load: (executionId: string) => {
            if (!firstLoad) return ports.store.load(executionId);
            firstLoad = false;
            // The first message's load is slow (a DynamoDB read, say).
            return gate.then(() => ports.store.load(executionId));
          },
        } as ExecutionStore,
      },
      signer: SIGNER,
      eventSource: 'test',
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
    });
    orchestrator.handleNow({ kind: 'StartExecution', workflow: 'Ready', name: 'o-1', input: {} }, 'm-1');
    expect(latest.get('Ready:o-1')).toBeUndefined();
    const token = SIGNER.sign({ executionId: 'Ready:o-1', engineToken: 'root:1:1' });
    const second = orchestrator.handleNow({ kind: 'TaskSucceeded', taskToken: token, output: 1 }, 'm-2');
    // The result waits for the start it belongs to, instead of being ignored as unknown.
    expect(isPending(second)).toBe(true);
    release();
    const applied = await second;
    expect(applied).toMatchObject({ type: 'applied', version: 2 });
    expect(latest.get('Ready:o-1')?.execution.threads.root?.active.name).toBe('B');
  });

  it('stops the execution with States.DataLimitExceeded, undoing the saga, when a transition of another event cannot be stored', () => {
    const { ports, dispatched, latest } = readyPorts(waitThenWork);
    const timers: string[] = [];
    const orchestrator = new Orchestrator({
      ports: {
        ...ports,
        timers: { schedule: (timer) => void timers.push(timer.timerId), cancel: () => undefined },
        store: {
          ...ports.store,
          commit: (transition: Transition) => {
            // The Wait's end makes a state the store cannot hold (as a 400 KB item would).
            if (transition.history.some((event) => event.type === 'WaitStateExited'))
              throw new TransitionTooLargeError(transition.executionId, transition.version, 500_000, 400_000);
            ports.store.commit(transition);
          },
        },
      },
      signer: SIGNER,
      eventSource: 'test',
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
    });
    const handle = (message: InboxMessage, id: string) => orchestrator.handleNow(message, id);
    handle({ kind: 'StartExecution', workflow: 'Ready', name: 's-1', input: {} }, 'm-1');
    const token = SIGNER.sign({ executionId: 'Ready:s-1', engineToken: 'root:1:1' });
    handle({ kind: 'TaskSucceeded', taskToken: token, output: 'done' }, 'm-2');
    const wait = timers.find((timerId) => timerId.endsWith(':wait'));

    const result = handle({ kind: 'TimerFired', executionId: 'Ready:s-1', timerId: wait ?? '' }, 'm-3');

    expect(result).toMatchObject({ type: 'applied', status: 'COMPENSATING' });
    expect(latest.get('Ready:s-1')?.execution).toMatchObject({
      error: 'States.DataLimitExceeded',
      cause: expect.stringContaining('over the limit of 400000 bytes'),
    });
    expect(dispatched).toEqual(['Work', 'Work']);
  });
});

describe('stop and redrive without a run named, delivered again after any number of messages', () => {
  const flaky = {
    StartAt: 'Charge',
    States: {
      Charge: {
        Type: 'Task',
        Resource: 'baton:worker:charge',
        Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 1, MaxAttempts: 3 }],
        End: true,
      },
    },
  } satisfies StateMachineDefinition;

  /** Fails the last dispatched attempt, then fires retry timers and fails again until FAILED. */
  function failToTheEnd(h: ReturnType<typeof harness>): void {
    for (;;) {
      const status = h.latest.get('Ready:x-1')?.execution.status;
      if (status !== 'RUNNING') return;
      h.send({ kind: 'TaskFailed', taskToken: h.tokens.at(-1) ?? '', error: 'Busy', cause: 'later' });
      const retry = h.timers.at(-1);
      if (h.latest.get('Ready:x-1')?.execution.status === 'RUNNING' && retry)
        h.send({ kind: 'TimerFired', executionId: 'Ready:x-1', timerId: retry });
    }
  }

  function harness() {
    const ready = readyPorts(flaky);
    const orchestrator = new Orchestrator({
      ports: ready.ports,
      signer: SIGNER,
      eventSource: 'test',
      jsonata: () => bundledJsonata,
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
    });
    let sent = 0;
    const send = (message: InboxMessage, messageId = `m-${++sent}`) =>
      orchestrator.handleNow(message, messageId) as HandleResult;
    send({ kind: 'StartExecution', workflow: 'Ready', name: 'x-1', input: {} });
    return { ...ready, send };
  }

  it('redrives once: the same redrive message after the redriven run failed again changes nothing', () => {
    const h = harness();
    failToTheEnd(h);
    expect(h.send({ kind: 'RedriveExecution', executionId: 'Ready:x-1' }, 'redrive-1')).toMatchObject({
      type: 'applied',
    });
    const redriven = h.tokens.at(-1);
    failToTheEnd(h);
    const issued = new Set(h.tokens);

    // Far more than the four recent message keys every version carries came in between.
    const again = h.send({ kind: 'RedriveExecution', executionId: 'Ready:x-1' }, 'redrive-1');

    expect(again).toEqual({ type: 'duplicate', executionId: 'Ready:x-1' });
    expect(h.latest.get('Ready:x-1')?.execution).toMatchObject({ status: 'FAILED', redriveCount: 1 });
    // At most the redrive's own dispatch again (same attempt, same idempotency key); nothing new.
    expect(h.tokens.at(-1)).toBe(redriven);
    expect(new Set(h.tokens)).toEqual(issued);
  });

  it('stops once: an old stop delivered again does not stop the redriven run', () => {
    const h = harness();
    h.send({ kind: 'StopExecution', executionId: 'Ready:x-1', cause: 'operator' }, 'stop-1');
    expect(h.latest.get('Ready:x-1')?.execution.status).toBe('ABORTED');
    h.send({ kind: 'RedriveExecution', executionId: 'Ready:x-1' });
    // Two failed attempts and their retry timers: four transitions after the redrive.
    for (let i = 0; i < 2; i++) {
      h.send({ kind: 'TaskFailed', taskToken: h.tokens.at(-1) ?? '', error: 'Busy', cause: 'later' });
      h.send({ kind: 'TimerFired', executionId: 'Ready:x-1', timerId: h.timers.at(-1) ?? '' });
    }
    expect(h.commits.length).toBeGreaterThanOrEqual(7);

    const again = h.send({ kind: 'StopExecution', executionId: 'Ready:x-1', cause: 'operator' }, 'stop-1');

    expect(again).toEqual({ type: 'duplicate', executionId: 'Ready:x-1' });
    expect(h.latest.get('Ready:x-1')?.execution).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
  });
});

describe('the jsonata library of the loop', () => {
  const start: InboxMessage = {
    kind: 'StartExecution',
    workflow: 'Ready',
    name: 'j-1',
    input: { amounts: [2, 3] },
  };
  // $sum needs the library: a plain read would be answered without it.
  const summing = {
    QueryLanguage: 'JSONata',
    StartAt: 'Sum',
    States: { Sum: { Type: 'Pass', Output: '{% $sum($states.input.amounts) %}', End: true } },
  } satisfies StateMachineDefinition;

  it('is asked for before a workflow with JSONata states is compiled, and the workflow runs with it', async () => {
    let asked = 0;
    const { ports, latest } = readyPorts(summing);
    const orchestrator = new Orchestrator({
      ports,
      signer: SIGNER,
      eventSource: 'test',
      jsonata: () => (asked++, Promise.resolve(bundledJsonata)),
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
    });
    await orchestrator.handle(start, 'm-1');
    expect(asked).toBe(1);
    expect(latest.get('Ready:j-1')?.execution).toMatchObject({ status: 'SUCCEEDED', output: 5 });
  });

  it('is not asked for by a workflow without JSONata states', async () => {
    let asked = 0;
    const { ports, dispatched } = readyPorts(twoTasks);
    const orchestrator = new Orchestrator({
      ports,
      signer: SIGNER,
      eventSource: 'test',
      jsonata: () => (asked++, bundledJsonata),
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
    });
    await orchestrator.handle({ ...start, name: 'p-1' }, 'm-1');
    expect(dispatched).toEqual(['A']);
    expect(asked).toBe(0);
  });

  it('fails the message when it cannot be loaded, and compiles the workflow on the redelivery', async () => {
    let attempts = 0;
    const { ports, latest } = readyPorts(summing);
    const orchestrator = new Orchestrator({
      ports,
      signer: SIGNER,
      eventSource: 'test',
      jsonata: () => (++attempts === 1 ? Promise.reject(new Error('chunk not found')) : bundledJsonata),
      validator: () => assertValidDefinitionWith,
      distributedMap: () => distributedMapExecutor,
    });
    await expect(orchestrator.handle(start, 'm-1')).rejects.toThrow('chunk not found');
    expect(latest.size).toBe(0);
    await orchestrator.handle(start, 'm-1');
    expect(latest.get('Ready:j-1')?.execution).toMatchObject({ status: 'SUCCEEDED', output: 5 });
  });
});
