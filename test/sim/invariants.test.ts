/**
 * The checker can fail: a good run passes, and each kind of broken run (a broken history, a result
 * applied twice, a skipped or misordered compensation, a lost message, ...) is reported under the
 * right invariant. A checker that cannot fail would make the simulation worthless.
 */
import { describe, expect, it } from 'vitest';
import type { BranchDefinition, StateMachineDefinition } from '../../lambdas/engine/definition.js';
import type {
  ExecutionStatus,
  HistoryEvent,
  HistoryEventFields,
  HistoryEventType,
} from '../../lambdas/engine/execution.js';
import { checkRun, Invariant, type CommitRecord, type RunRecord } from './invariants.js';

const ID = 'Shop:e1';
const TIME = '2026-01-01T00:00:00.000Z';
const ROOT = 'root';
const RESOURCE = 'baton:worker:step';

/** A history event before it is numbered and timed. */
type Draft = HistoryEvent extends infer E ? (E extends unknown ? Omit<E, 'id' | 'timestamp'> : never) : never;

/** Numbers a draft history 1, 2, 3, ... */
function numbered(drafts: readonly Draft[]): HistoryEvent[] {
  return drafts.map((draft, index) => ({ ...draft, id: index + 1, timestamp: TIME }));
}

/** The draft of a `type` event, with exactly the fields that type carries. */
function event<T extends HistoryEventType>(type: T, fields: HistoryEventFields<T>): Draft {
  return { type, ...fields } as Draft;
}

/** A Task state on the root thread: entered, scheduled (attempt 1), and the outcome its state gives. */
const task = (stateName: string, outcome: (stateName: string) => Draft): Draft[] => [
  event('TaskStateEntered', { stateName, threadId: ROOT, input: {} }),
  event('TaskScheduled', { stateName, threadId: ROOT, input: {}, resource: RESOURCE, attempt: 1 }),
  outcome(stateName),
];
const succeeded = (effectId: string) => (stateName: string) =>
  event('TaskSucceeded', { stateName, threadId: ROOT, output: { effectId }, resource: RESOURCE });
const failed = (error: string) => (stateName: string) =>
  event('TaskFailed', { stateName, threadId: ROOT, error, cause: `${stateName} failed`, resource: RESOURCE });
const compensation = (stateName: string): Draft[] => [
  event('CompensationTaskScheduled', { stateName, input: {}, resource: RESOURCE, attempt: 1 }),
  event('CompensationTaskSucceeded', { stateName }),
];

/** A saga that completed A and B, failed at C, and undid B then A. */
function sagaHistory(): Draft[] {
  return [
    event('ExecutionStarted', { input: {} }),
    ...task('A', succeeded(`${ID}:1`)),
    event('TaskStateExited', { stateName: 'A', threadId: ROOT, output: {} }),
    ...task('B', succeeded(`${ID}:2`)),
    event('TaskStateExited', { stateName: 'B', threadId: ROOT, output: {} }),
    ...task('C', failed('Boom')),
    event('CompensationStarted', { error: 'Boom', cause: 'C failed' }),
    ...compensation('B'),
    ...compensation('A'),
    event('CompensationSucceeded', { error: 'Boom', cause: 'C failed' }),
  ];
}

/** One commit per event, the last one terminal; results carry their task's token. */
function commitsOf(history: readonly HistoryEvent[], status: ExecutionStatus): CommitRecord[] {
  return history.map((entry, index) => ({
    executionId: ID,
    version: index + 1,
    messageId: `m${index + 1}`,
    status: index === history.length - 1 ? status : 'RUNNING',
    events: [{ id: entry.id, type: entry.type }],
    ...(entry.type === 'TaskSucceeded' || entry.type === 'CompensationTaskSucceeded'
      ? { resultToken: `token-${entry.type}-${entry.stateName}` }
      : {}),
  }));
}

/** A run the checker must accept. */
function goodRun(
  drafts: readonly Draft[] = sagaHistory(),
  status: ExecutionStatus = 'COMPENSATED',
): RunRecord {
  const history = numbered(drafts);
  return {
    executions: [{ executionId: ID, status, indexStatus: status, history, compensable: new Set(['A', 'B']) }],
    commits: commitsOf(history, status),
    effects: [
      { executionId: ID, key: `${ID}:1`, stateName: 'A', seq: 1 },
      { executionId: ID, key: `${ID}:2`, stateName: 'B', seq: 2 },
    ],
    undos:
      status === 'COMPENSATED'
        ? [
            { executionId: ID, effectId: `${ID}:2`, compensationKey: `${ID}:c:2`, seq: 3 },
            { executionId: ID, effectId: `${ID}:1`, compensationKey: `${ID}:c:1`, seq: 4 },
          ]
        : [],
    heartbeats: [],
    published: [
      { id: `${ID}:Execution Started:0`, detailType: 'Execution Started' },
      { id: `${ID}:Execution Compensated:0`, detailType: 'Execution Compensated' },
    ],
    deadLetters: [{ queue: 'inbox', messageId: 'inbox-9', poison: true, reason: 'MalformedMessageError' }],
    poisonSent: [{ queue: 'inbox', messageId: 'inbox-9' }],
    inFlight: [],
  };
}

function theExecution(record: RunRecord): RunRecord['executions'][number] {
  const [execution] = record.executions;
  if (!execution) throw new Error('the run has no execution');
  return execution;
}

function invariantsOf(record: RunRecord): string[] {
  return [...new Set(checkRun(record).map((violation) => violation.invariant))].sort();
}

describe('the invariant checker', () => {
  it('accepts a run that keeps every invariant', () => {
    expect(checkRun(goodRun())).toEqual([]);
  });

  it('reports a gap in the history ids', () => {
    const record = goodRun();
    const history = theExecution(record).history.map((entry) =>
      entry.id > 5 ? { ...entry, id: entry.id + 1 } : entry,
    );
    const broken = { ...record, executions: [{ ...theExecution(record), history }] };
    expect(invariantsOf(broken)).toContain(Invariant.HistorySequence);
  });

  it('reports a history that does not start with ExecutionStarted', () => {
    const broken = goodRun(sagaHistory().slice(1));
    expect(checkRun(broken).map((v) => v.detail)).toContain(
      'the history starts with TaskStateEntered, not ExecutionStarted',
    );
  });

  it('reports events after the terminal event, and a commit after the terminal one', () => {
    const drafts = [
      ...sagaHistory(),
      event('TaskStateEntered', { stateName: 'D', threadId: ROOT, input: {} }),
    ];
    const record = goodRun(drafts);
    const commits = record.commits.map((commit, index, all) =>
      index === all.length - 2 ? { ...commit, status: 'COMPENSATED' as const } : commit,
    );
    const violations = checkRun({ ...record, commits });
    expect(violations.map((v) => v.invariant)).toEqual(
      expect.arrayContaining([Invariant.HistorySequence, Invariant.TerminalStable]),
    );
    expect(
      violations.some((v) => v.detail.startsWith('events after the terminal CompensationSucceeded')),
    ).toBe(true);
  });

  it('reports two terminal events', () => {
    const drafts = sagaHistory();
    drafts.splice(drafts.length - 1, 0, event('ExecutionFailed', { error: 'Boom', cause: 'C failed' }));
    expect(checkRun(goodRun(drafts)).some((v) => v.detail.includes('2 terminal events'))).toBe(true);
  });

  it('reports a task result applied twice', () => {
    const drafts = sagaHistory();
    // B's result arrives twice and both deliveries are applied: the second, like the first, is
    // committed with B's task token (commitsOf gives each TaskSucceeded its state's token).
    drafts.splice(8, 0, succeeded(`${ID}:2`)('B'));
    const record = goodRun(drafts);
    const history = theExecution(record).history;
    expect(history[7]?.type).toBe('TaskSucceeded');
    expect(history[8]?.type).toBe('TaskSucceeded');
    const violations = checkRun(record);
    const invariants = violations.map((v) => v.invariant);
    expect(invariants).toContain(Invariant.ResultAppliedOnce);
    expect(invariants).toContain(Invariant.TaskOutcomeOnce);
  });

  it('reports an inbox message committed twice', () => {
    const record = goodRun();
    const commits = record.commits.map((commit) =>
      commit.version === 3 ? { ...commit, messageId: 'm2' } : commit,
    );
    expect(checkRun({ ...record, commits }).map((v) => v.detail)).toContain(
      'inbox message m2 was committed 2 times',
    );
  });

  it('reports a skipped compensation', () => {
    const drafts = sagaHistory().filter(
      (entry) =>
        !(
          (entry.type === 'CompensationTaskScheduled' || entry.type === 'CompensationTaskSucceeded') &&
          entry.stateName === 'A'
        ),
    );
    const record = goodRun(drafts);
    const broken = { ...record, undos: record.undos.filter((undo) => undo.effectId !== `${ID}:1`) };
    const violations = checkRun(broken).filter((v) => v.invariant === Invariant.CompensationExactlyOnce);
    expect(violations.map((v) => v.detail)).toEqual([
      `the saga ended COMPENSATED; workers undid [${ID}:2] but the completed steps, in reverse order, are [${ID}:2, ${ID}:1]`,
      'the history compensated [B] but the completed compensable steps, in reverse order, are [B, A]',
    ]);
  });

  it('reports compensations run in completion order instead of reverse order', () => {
    const record = goodRun();
    const undos = record.undos.map((undo) => ({ ...undo, seq: 10 - undo.seq }));
    expect(invariantsOf({ ...record, undos })).toEqual([Invariant.CompensationExactlyOnce]);
  });

  it('reports an effect undone twice, and an undo of an effect never done', () => {
    const record = goodRun();
    const undos = [
      ...record.undos,
      { executionId: ID, effectId: `${ID}:2`, compensationKey: `${ID}:c:2:again`, seq: 5 },
      { executionId: ID, effectId: `${ID}:404`, compensationKey: `${ID}:c:404`, seq: 6 },
    ];
    const details = checkRun({ ...record, undos }).map((v) => v.detail);
    expect(details).toContain(
      `effect ${ID}:2 was undone 2 times (compensation keys ${ID}:c:2, ${ID}:c:2:again)`,
    );
    expect(details).toContain(`a compensation undid ${ID}:404, an effect no worker ever applied`);
  });

  it('reports a saga that failed without compensating its completed steps', () => {
    const drafts = [
      ...sagaHistory().slice(0, 10),
      event('ExecutionFailed', { error: 'Boom', cause: 'C failed' }),
    ];
    const record = goodRun(drafts, 'FAILED');
    const published = [
      ...record.published,
      { id: `${ID}:Execution Failed:0`, detailType: 'Execution Failed' },
    ];
    expect(checkRun({ ...record, published }).map((v) => v.detail)).toEqual([
      `the execution ended FAILED with completed steps [${ID}:2, ${ID}:1] that were never compensated`,
    ]);
  });

  it('reports a legitimate message in a DLQ, and a poison message that was accepted', () => {
    const record = goodRun();
    const broken = {
      ...record,
      deadLetters: [{ queue: 'inbox', messageId: 'inbox-3', poison: false, reason: 'TypeError: oops' }],
    };
    const details = checkRun(broken).map((v) => v.detail);
    expect(details).toEqual([
      'a legitimate message inbox-3 reached the DLQ of inbox: TypeError: oops',
      'poison message inbox-9 on inbox was accepted instead of reaching the DLQ',
    ]);
  });

  it('reports a message left in flight and a run that ran out of budget', () => {
    const broken = {
      ...goodRun(),
      inFlight: [{ queue: 'worker-alpha', messageId: 'worker-alpha-4', body: '{}' }],
      unfinished: 'the run was still busy after 40000 deliveries',
    };
    expect(checkRun(broken).map((v) => v.invariant)).toEqual([
      Invariant.NoMessageInFlight,
      Invariant.NoMessageInFlight,
    ]);
  });

  it('reports an execution left running, and an index that disagrees', () => {
    const record = goodRun(sagaHistory().slice(0, 8), 'RUNNING');
    const broken = {
      ...record,
      executions: [{ ...theExecution(record), indexStatus: 'SUCCEEDED' as const }],
    };
    expect(invariantsOf(broken)).toEqual([Invariant.ExecutionTerminal, Invariant.IndexAgrees]);
  });

  it('reports a task that never got an outcome in an ended execution', () => {
    const drafts = sagaHistory();
    drafts.splice(11, 1); // C's TaskFailed is gone, yet the saga went on
    expect(checkRun(goodRun(drafts)).some((v) => v.detail.includes('never got an outcome'))).toBe(true);
  });

  it('reports an acknowledged heartbeat that was not persisted', () => {
    const record = goodRun();
    const token = `v1.${Buffer.from(JSON.stringify({ e: ID, t: 'root:3:1' })).toString('base64url')}.sig`;
    const heartbeats = [
      { executionId: ID, token, at: 5_000, persistedAt: 1_000 },
      { executionId: ID, token, at: 6_000, persistedAt: 6_000 },
    ];
    const violations = checkRun({ ...record, heartbeats });
    expect(violations).toHaveLength(1);
    expect(violations[0]?.invariant).toBe(Invariant.HeartbeatPersisted);
    expect(violations[0]?.detail).toContain('running task root:3:1');
  });

  it('reports a lifecycle event that never reached the bus', () => {
    const record = goodRun();
    const published = record.published.filter((entry) => entry.detailType !== 'Execution Compensated');
    expect(checkRun({ ...record, published }).map((v) => v.detail)).toEqual([
      "the execution ended COMPENSATED but 'Execution Compensated' never reached the bus",
    ]);
  });

  describe('with redrives', () => {
    /** A failed at first; the redrive resumed at A, which then succeeded. */
    function redrivenHistory(): Draft[] {
      return [
        event('ExecutionStarted', { input: {} }),
        ...task('A', failed('Boom')),
        event('ExecutionFailed', { error: 'Boom', cause: 'A failed' }),
        event('ExecutionRedriven', {}),
        ...task('A', succeeded(`${ID}:3`)),
        event('TaskStateExited', { stateName: 'A', threadId: ROOT, output: {} }),
        event('ExecutionSucceeded', { output: {} }),
      ];
    }

    function redrivenRun(drafts: readonly Draft[] = redrivenHistory()): RunRecord {
      const record = goodRun(drafts, 'SUCCEEDED');
      return {
        ...record,
        executions: [{ ...theExecution(record), compensable: new Set() }],
        effects: [{ executionId: ID, key: `${ID}:3`, stateName: 'A', seq: 1 }],
        undos: [],
        published: [
          { id: `${ID}:Execution Started:0`, detailType: 'Execution Started' },
          { id: `${ID}:Execution Failed:0`, detailType: 'Execution Failed' },
          { id: `${ID}:Execution Succeeded:1`, detailType: 'Execution Succeeded' },
        ],
      };
    }

    it('accepts a run that failed, was redriven and succeeded', () => {
      expect(checkRun(redrivenRun())).toEqual([]);
    });

    it('reports a lifecycle event of an earlier run that never reached the bus', () => {
      const record = redrivenRun();
      const published = record.published.filter((entry) => entry.detailType !== 'Execution Failed');
      expect(checkRun({ ...record, published }).map((v) => v.detail)).toEqual([
        "the execution ended FAILED but 'Execution Failed' never reached the bus",
      ]);
    });

    it('reports a redrive of an execution that had succeeded', () => {
      const drafts = redrivenHistory();
      drafts.splice(4, 1, event('ExecutionSucceeded', { output: {} }));
      expect(checkRun(redrivenRun(drafts)).map((v) => v.detail)).toContain(
        'run 0 was redriven after ExecutionSucceeded, not after a failure (FAILED, TIMED_OUT, ABORTED or COMPENSATION_FAILED)',
      );
    });

    it('reports a redrive that runs a completed state again', () => {
      const drafts: Draft[] = [
        event('ExecutionStarted', { input: {} }),
        ...task('A', succeeded(`${ID}:2`)),
        event('TaskStateExited', { stateName: 'A', threadId: ROOT, output: {} }),
        ...task('B', failed('Boom')),
        event('ExecutionFailed', { error: 'Boom', cause: 'B failed' }),
        event('ExecutionRedriven', {}),
        ...task('A', succeeded(`${ID}:8`)),
        event('TaskStateExited', { stateName: 'A', threadId: ROOT, output: {} }),
        event('ExecutionSucceeded', { output: {} }),
      ];
      const violations = checkRun(redrivenRun(drafts)).filter(
        (v) => v.invariant === Invariant.RedriveResumes,
      );
      expect(violations.map((v) => v.detail)).toEqual([
        'the redrive at event 10 entered A again (event 11), which had completed',
      ]);
    });

    it('reports a redrive that runs a Parallel branch that had succeeded', () => {
      const inBranch = (stateName: string, threadId: string, outcome: Draft): Draft[] => [
        event('TaskStateEntered', { stateName, threadId, input: {} }),
        event('TaskScheduled', { stateName, threadId, input: {}, resource: RESOURCE, attempt: 1 }),
        outcome,
      ];
      const entry = (threads: readonly [string, string]): Draft[] => [
        event('ParallelStateEntered', { stateName: 'P', threadId: ROOT, input: {} }),
        event('ParallelStateStarted', { stateName: 'P', threadId: ROOT }),
        ...inBranch(
          'Ok',
          threads[0],
          event('TaskSucceeded', { stateName: 'Ok', threadId: threads[0], output: {}, resource: RESOURCE }),
        ),
        event('TaskStateExited', { stateName: 'Ok', threadId: threads[0], output: {} }),
        ...inBranch('Bad', threads[1], failed('Boom')('Bad')),
      ];
      const drafts: Draft[] = [
        event('ExecutionStarted', { input: {} }),
        ...entry(['2', '3']),
        event('ParallelStateFailed', { stateName: 'P', threadId: ROOT, error: 'Boom', cause: 'Bad failed' }),
        event('ExecutionFailed', { error: 'Boom', cause: 'Bad failed' }),
        event('ExecutionRedriven', {}),
        ...entry(['5', '6']),
        event('ParallelStateFailed', { stateName: 'P', threadId: ROOT, error: 'Boom', cause: 'Bad failed' }),
        event('ExecutionFailed', { error: 'Boom', cause: 'Bad failed' }),
      ];
      const record = goodRun(drafts, 'FAILED');
      const branch = (name: string): BranchDefinition => ({
        StartAt: name,
        States: { [name]: { Type: 'Task', Resource: RESOURCE, End: true } },
      });
      const definition: StateMachineDefinition = {
        StartAt: 'P',
        States: { P: { Type: 'Parallel', Branches: [branch('Ok'), branch('Bad')], End: true } },
      };
      const executions = [{ ...theExecution(record), compensable: new Set<string>(), definition }];
      const violations = checkRun({ ...record, executions }).filter(
        (v) => v.invariant === Invariant.RedriveResumes,
      );
      expect(violations.map((v) => v.detail)).toEqual([
        'the redrive at event 13 ran branch 0 of P again (event 16), which had succeeded',
      ]);
    });

    it('reports a stop meant for the first run that stopped the redriven one', () => {
      const record = redrivenRun();
      const commits = record.commits.map((commit) =>
        commit.version === 8 ? { ...commit, control: { kind: 'StopExecution' as const, run: 0 } } : commit,
      );
      expect(checkRun({ ...record, commits })).toEqual([
        {
          invariant: Invariant.ControlBoundToRun,
          executionId: ID,
          detail: 'a StopExecution meant for run 0 was applied to run 1 (version 8)',
        },
      ]);
    });

    it('reports a rerun that did not start at the state it was asked to start at', () => {
      const record = { ...redrivenRun(), reruns: [{ executionId: ID, fromState: 'B' }] };
      expect(invariantsOf(record)).toEqual([Invariant.RerunStartsAt]);
    });
  });
  describe('with payloads over a limit', () => {
    const LIMIT = 262_144;
    const workerCause = (bytes: number) =>
      `The task result is ${bytes} bytes, over the ${LIMIT}-byte limit of a state's payload`;
    const definition: StateMachineDefinition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: RESOURCE, Next: 'B' },
        B: { Type: 'Task', Resource: RESOURCE, Next: 'C' },
        C: { Type: 'Task', Resource: RESOURCE, End: true },
      },
    };

    /** A saga whose step C failed with `error` and `cause`, then undid B and A. */
    function failedAtC(cause: string): RunRecord {
      const error = 'States.DataLimitExceeded';
      const drafts = sagaHistory().map((draft) => {
        if (draft.type === 'TaskFailed') return { ...draft, error, cause };
        if (draft.type === 'CompensationStarted' || draft.type === 'CompensationSucceeded')
          return { ...draft, error, cause };
        return draft;
      });
      const record = goodRun(drafts);
      return { ...record, executions: [{ ...theExecution(record), definition }] };
    }

    it('accepts a result over the limit that the worker returned, reported at its state', () => {
      const record = failedAtC(workerCause(300_000));
      const largeResults = [{ executionId: ID, stateName: 'C', key: `${ID}:3`, bytes: 300_000 }];
      expect(checkRun({ ...record, largeResults })).toEqual([]);
    });

    it('reports a result over the limit that no worker of the state returned', () => {
      const record = failedAtC(workerCause(300_000));
      const largeResults = [{ executionId: ID, stateName: 'B', key: `${ID}:2`, bytes: 300_000 }];
      expect(invariantsOf({ ...record, largeResults })).toEqual([Invariant.DataLimitNamesState]);
    });

    it('reports a failure that names neither the state nor the payload', () => {
      expect(invariantsOf(failedAtC('Something was too large'))).toEqual([Invariant.DataLimitNamesState]);
    });

    it('reports an input said to be over the limit that was not, and accepts one that was', () => {
      const cause = `The input of task state 'C' has 300000 bytes, more than the limit of ${LIMIT}`;
      expect(invariantsOf(failedAtC(cause))).toEqual([Invariant.DataLimitNamesState]);
      // The same failure after C was entered with an input of exactly 300,000 bytes.
      const record = failedAtC(cause);
      const input = { pad: 'x'.repeat(300_000 - '{"pad":""}'.length) };
      const history = theExecution(record).history.map((entry) =>
        entry.type === 'TaskStateEntered' && entry.stateName === 'C' ? { ...entry, input } : entry,
      );
      expect(checkRun({ ...record, executions: [{ ...theExecution(record), history }] })).toEqual([]);
    });

    it('reports a state the store is said to have refused, unless a refused transition applied its result', () => {
      const cause =
        "The execution's state would be 500000 bytes stored, over the limit of 409509 bytes (configure a payload store, or keep less in the state)";
      expect(invariantsOf(failedAtC(cause))).toEqual([Invariant.DataLimitNamesState]);
      const refusedCommits = [
        {
          executionId: ID,
          version: 9,
          sizeBytes: 500_000,
          limitBytes: 409_509,
          results: [{ stateName: 'C', threadId: ROOT }],
        },
      ];
      expect(checkRun({ ...failedAtC(cause), refusedCommits })).toEqual([]);
    });
  });

  describe('with waits for correlated events', () => {
    const WAIT = 'baton:waitForEvent';
    const KEY = '*|Sim Signal|detail.ref="Shop:e1"';
    const TOKEN = 'token-TaskSucceeded-W';
    const parameters = { DetailType: 'Sim Signal', Match: { 'detail.ref': ID } };
    const published = (id: string, at: number, ref = ID) => ({
      id,
      at,
      source: 'sim.partner',
      detailType: 'Sim Signal',
      detail: { ref, value: at },
      purpose: 'signal' as const,
    });
    const envelope = (event: ReturnType<typeof published>) => ({
      id: event.id,
      source: event.source,
      'detail-type': event.detailType,
      detail: event.detail,
    });
    const early = published('ev-1', 1_000);
    const later = published('ev-2', 2_000);

    /** A wait at W that registered after two matching events were kept, and ended with `result`. */
    function waited(result: ReturnType<typeof published>): RunRecord {
      const drafts = [
        event('ExecutionStarted', { input: {} }),
        event('TaskStateEntered', { stateName: 'W', threadId: ROOT, input: {} }),
        event('TaskScheduled', {
          stateName: 'W',
          threadId: ROOT,
          input: parameters,
          resource: WAIT,
          attempt: 1,
        }),
        event('TaskSucceeded', { stateName: 'W', threadId: ROOT, output: envelope(result), resource: WAIT }),
        event('TaskStateExited', { stateName: 'W', threadId: ROOT, output: {} }),
        event('ExecutionSucceeded', { output: {} }),
      ];
      const record = goodRun(drafts, 'SUCCEEDED');
      return {
        ...record,
        executions: [{ ...theExecution(record), compensable: new Set() }],
        effects: [],
        undos: [],
        published: [
          { id: `${ID}:Execution Started:0`, detailType: 'Execution Started' },
          { id: `${ID}:Execution Succeeded:0`, detailType: 'Execution Succeeded' },
        ],
        events: [early, later, published('ev-3', 2_500, 'Shop:other')],
        correlation: {
          retentionMs: 86_400_000,
          eventMessages: ['event-message-1'],
          ops: [
            { op: 'keep', key: KEY, eventId: 'ev-1', seq: 0, at: 1_000 },
            { op: 'keep', key: KEY, eventId: 'ev-2', seq: 1, at: 2_000 },
            { op: 'register', key: KEY, token: TOKEN, seq: 2, at: 3_000 },
          ],
        },
      };
    }

    it('accepts a wait that ended with the oldest event kept before it registered', () => {
      expect(checkRun(waited(early))).toEqual([]);
    });

    it('reports a wait that ended with a later event than the oldest kept before it registered', () => {
      expect(checkRun(waited(later)).map((v) => v.detail)).toEqual([
        'the wait at W (version 4) registered at 1970-01-01T00:00:03.000Z and ended with event ev-2 ' +
          '(kept 1970-01-01T00:00:02.000Z), but the oldest event kept before it registered was ev-1 ' +
          '(kept 1970-01-01T00:00:01.000Z)',
      ]);
    });

    it('accepts the first event to arrive after the wait registered when none was kept before', () => {
      const record = waited(later);
      const ops = [
        { op: 'register' as const, key: KEY, token: TOKEN, seq: 0, at: 500 },
        { op: 'keep' as const, key: KEY, eventId: 'ev-2', seq: 1, at: 2_000 },
        { op: 'keep' as const, key: KEY, eventId: 'ev-1', seq: 2, at: 2_100 },
      ];
      const correlation = { ...(record.correlation as NonNullable<RunRecord['correlation']>), ops };
      expect(checkRun({ ...record, correlation })).toEqual([]);
    });

    it('reports a wait that ended with an event that does not match it, which no state waited for', () => {
      expect(invariantsOf(waited(published('ev-3', 2_500, 'Shop:other')))).toEqual([
        Invariant.EventWaitFirstMatch,
        Invariant.UnawaitedEventInert,
      ]);
    });

    it('reports an event message that committed a transition itself', () => {
      const record = waited(early);
      const commits = record.commits.map((commit) =>
        commit.version === 2 ? { ...commit, messageId: 'event-message-1' } : commit,
      );
      expect(invariantsOf({ ...record, commits })).toEqual([Invariant.UnawaitedEventInert]);
    });
  });
});
