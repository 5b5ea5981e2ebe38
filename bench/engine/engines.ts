/**
 * The two engines behind one small interface, so the suite measures them the same way:
 * Baton's in-process `runWorkflow`, and the `aws-local-stepfunctions` npm package ("the peer").
 */
import {
  StateMachine,
  type RunOptions,
  type StateMachineDefinition as PeerDefinition,
} from 'aws-local-stepfunctions';
import { runWorkflow, type Json, type TaskFunction } from 'baton';
import { stripCompensate, taskStates, type BenchWorkflow } from './workflows.js';

/** One execution's result, with the states it entered (for the verification pass). */
export interface TracedRun {
  readonly output: Json;
  /** States entered, counted from the engine's own event record. */
  readonly transitions: number;
}

/** A workflow bound to one engine, ready to be run many times. */
export interface PreparedRun {
  /**
   * Runs one execution and returns its output; rejects with {@link WrongResultError} if it did not
   * succeed. This is what the timed loop calls, so it does only what a caller of the engine must.
   */
  readonly run: () => Promise<Json>;
  /** Runs one execution and counts its states entered; used outside the timed loop. */
  readonly trace: () => Promise<TracedRun>;
  /** How `trace` counts states entered, for the report. */
  readonly countedBy: string;
  /** Anything the reader should know about how this engine runs the workflow. */
  readonly notes: readonly string[];
}

/** An engine under test. */
export interface Engine {
  /** Short name used in tables: `baton` or `peer`. */
  readonly name: string;
  /** What it is, for the report header. */
  readonly title: string;
  readonly prepare: (workflow: BenchWorkflow) => PreparedRun;
}

/** An engine ended an execution other than SUCCEEDED, or with an output other than expected. */
export class WrongResultError extends Error {
  override readonly name = 'WrongResultError';
}

/** Baton's `runWorkflow`: the orchestrator Lambda's loop, wired on in-process ports. */
export const baton: Engine = {
  name: 'baton',
  title: 'Baton runWorkflow (the orchestrator loop on in-process ports, virtual clock)',
  prepare(workflow) {
    // The stubs take (input); TaskFunction also passes a context they do not need.
    const options = { tasks: workflow.tasks satisfies Readonly<Record<string, TaskFunction>> };
    // runWorkflow compiles once per definition object (WeakMap cache), so reusing the same object
    // measures executions, not compilation, as the peer's one-off constructor validation does.
    const definition = workflow.definition;
    const runOnce = async () => {
      const result = await runWorkflow(definition, workflow.input, options);
      if (result.status !== 'SUCCEEDED') {
        throw new WrongResultError(
          `baton: ${workflow.label} ended ${result.status}: ${result.error ?? ''} ${result.cause ?? ''}`,
        );
      }
      return result;
    };
    return {
      run: async () => (await runOnce()).output as Json,
      trace: async () => {
        const result = await runOnce();
        const transitions = result.history.filter((event) => event.type.endsWith('StateEntered')).length;
        return { output: result.output as Json, transitions };
      },
      countedBy: "history events whose type ends in 'StateEntered' (nested branches and iterations included)",
      notes: ['runs its build (dist/, what the package ships), as the peer runs its published build'],
    };
  },
};

/** The `aws-local-stepfunctions` package, run with local task handlers (no AWS calls). */
export const peer: Engine = {
  name: 'peer',
  title: 'aws-local-stepfunctions 3.x StateMachine.run (local task handlers)',
  prepare(workflow) {
    const { definition, removed } = stripCompensate(workflow.definition);
    // The peer binds handlers by Task state name; the stubs are keyed by Resource. Same functions.
    type Handlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
    const handlers: Handlers = {};
    for (const [stateName, resource] of taskStates(definition)) {
      const stub = workflow.tasks[resource];
      if (!stub) throw new Error(`${workflow.label}: no stub task for resource '${resource}'`);
      handlers[stateName] = stub;
    }
    const runOptions: RunOptions = { overrides: { taskResourceLocalHandlers: handlers } };
    // Validated once here, with the peer's full validation (ARNs and paths), as runWorkflow
    // validates once per definition object. The cast: Baton's definition type and the peer's are two
    // descriptions of the same ASL JSON (readonly vs mutable arrays); the peer's own validator
    // checks the actual value right here.
    const machine = new StateMachine(definition as unknown as PeerDefinition);
    const input = workflow.input;
    const fail = (error: unknown): never => {
      throw new WrongResultError(`peer: ${workflow.label} failed: ${describe(error)}`);
    };
    return {
      run: async () => {
        try {
          return (await machine.run(input, runOptions).result) as Json;
        } catch (error) {
          return fail(error);
        }
      },
      trace: async () => {
        const execution = machine.run(input, runOptions);
        // Consume the event log while the execution runs, as the package's docs do; nested
        // Map/Parallel events are forwarded to this root log as they happen.
        const counting = (async () => {
          let entered = 0;
          for await (const event of execution.eventLogs) if (event.type === 'StateEntered') entered += 1;
          return entered;
        })();
        let output: Json;
        try {
          output = (await execution.result) as Json;
        } catch (error) {
          return fail(error);
        }
        return { output, transitions: await counting };
      },
      countedBy: "'StateEntered' events in run().eventLogs (nested branches and iterations included)",
      notes:
        removed > 0
          ? [
              `runs the same definition with its ${removed} Compensate block(s) stripped: ` +
                "aws-local-stepfunctions does not know Baton's saga extension (Compensate only runs on failure)",
            ]
          : [],
    };
  },
};

/** The engines, Baton first: the order of table rows. */
export const engines: readonly Engine[] = [baton, peer];

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // ExecutionError wraps the state's error as `cause`.
  const cause = error.cause instanceof Error ? ` (${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}
