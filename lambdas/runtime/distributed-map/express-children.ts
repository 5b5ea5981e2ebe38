/**
 * EXPRESS children of a Distributed Map, run in memory where the chunk is handled: each child is
 * an execution of the ItemProcessor on the in-process wiring of the orchestrator loop (the one
 * runWorkflow uses), its tasks performed by a task router that reports to the child's own inbox.
 * Only the child's outcome is kept (in the Map Run), as Step Functions keeps an Express child's.
 */
import type { CompiledWorkflow } from '../../engine/compile.js';
import type { StateMachineDefinition } from '../../engine/definition.js';
import { StatesErrors } from '../../engine/errors.js';
import type { Awaitable } from '../awaitable.js';
import { runCompiledWorkflow, type InMemoryRunOptions } from '../run-workflow.js';
import { compileWorkflowWith } from '../../engine/compile.js';
import { definitionUsesJsonata } from '../../engine/jsonata/library.js';
import type { OrchestratorOptions } from '../orchestrator.js';
import type { InboxSender, TaskDispatcher } from '../ports.js';
import { MapRuns, type ExpressChildEnd, type ExpressChildRunner, type MapRunsOptions } from './map-runs.js';

/** Options of {@link inMemoryChildren}. */
export interface InMemoryChildrenOptions {
  /** Compiles a child's definition (the wiring's compiler: its jsonata and validator). */
  readonly compile: (definition: StateMachineDefinition, name: string) => Awaitable<CompiledWorkflow>;
  /** How the children's tasks are performed (a task router on the child's inbox, or task functions). */
  readonly run: Pick<InMemoryRunOptions, 'taskDispatcher' | 'tasks' | 'mapRuns'>;
  /**
   * `real`: a child past its deadline is stopped with `States.Timeout`. `virtual`: runWorkflow's
   * clock, where deadlines are not enforced. @default 'real'
   */
  readonly clock?: 'real' | 'virtual';
}

/** Compiled child definitions kept per process (by their text): a run compiles its processor once. */
const MAX_COMPILED = 32;

/** The runner of EXPRESS children on the in-process wiring of the loop. */
export function inMemoryChildren(options: InMemoryChildrenOptions): ExpressChildRunner {
  const compiled = new Map<string, Awaitable<CompiledWorkflow>>();
  const workflowOf = (definition: StateMachineDefinition, name: string): Awaitable<CompiledWorkflow> => {
    const key = `${name}\n${JSON.stringify(definition)}`;
    let found = compiled.get(key);
    if (!found) {
      if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
      found = options.compile(definition, name);
      compiled.set(key, found);
    }
    return found;
  };
  const real = (options.clock ?? 'real') === 'real';
  return async (child): Promise<ExpressChildEnd> => {
    const workflow = await workflowOf(child.definition, child.workflow);
    const controller = new AbortController();
    const timer = real
      ? setTimeout(() => controller.abort(), Math.max(0, child.deadline - Date.now()))
      : undefined;
    try {
      const result = await runCompiledWorkflow(workflow, child.input, {
        ...options.run,
        name: child.name,
        stateMachineName: child.workflow,
        clock: real ? 'real' : 'virtual',
        signal: controller.signal,
      });
      switch (result.status) {
        case 'SUCCEEDED':
          return { status: 'SUCCEEDED', output: result.output ?? null };
        case 'ABORTED':
          return controller.signal.aborted
            ? {
                status: 'TIMED_OUT',
                error: StatesErrors.Timeout,
                cause: 'The child ran longer than an Express workflow may (5 minutes)',
              }
            : { status: 'ABORTED', ...failure(result) };
        case 'TIMED_OUT':
          return { status: 'TIMED_OUT', ...failure(result) };
        case 'FAILED':
        case 'COMPENSATED':
        case 'COMPENSATION_FAILED':
          return { status: 'FAILED', ...failure(result) };
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  };
}

function failure(result: { readonly error?: string; readonly cause?: string }): {
  error?: string;
  cause?: string;
} {
  return {
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.cause !== undefined ? { cause: result.cause } : {}),
  };
}

/** What a wiring gives to run Distributed Maps: its stores, its inbox and its task router. */
export interface MapRunWiring
  extends Omit<MapRunsOptions, 'express' | 'jsonata'>, Pick<OrchestratorOptions, 'jsonata' | 'validator'> {
  /** The task router of a child run, reporting to that child's inbox. */
  readonly childTasks: (inbox: InboxSender) => TaskDispatcher;
}

/**
 * Map Runs on a wiring: EXPRESS children run in memory on the wiring's own task router, compiled
 * with its jsonata library and validator. The Lambda and the local runtime both wire them so.
 */
export function createMapRuns(wiring: MapRunWiring): MapRuns {
  const { childTasks, jsonata, validator, ...options } = wiring;
  const express = inMemoryChildren({
    compile: async (definition, name) =>
      compileWorkflowWith(
        definition,
        definitionUsesJsonata(definition) ? await jsonata() : undefined,
        await validator(),
        { name },
      ),
    run: { taskDispatcher: childTasks },
  });
  return new MapRuns({ ...options, jsonata, express });
}
