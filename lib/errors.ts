/**
 * Errors the Baton constructs throw at synth time. Each class's `name` says what kind of mistake
 * it is; the message names the workflow (or the prop) and, for definitions, the JSON Pointer of
 * the bad field, so that `cdk synth` points straight at it.
 */
import type { DefinitionIssue } from '../lambdas/engine/index.js';

/** Base class of every synth-time error of the Baton constructs. */
export class BatonConstructError extends Error {
  override readonly name: string = 'BatonConstructError';
}

/**
 * A workflow definition is invalid, or names a worker or resource that the SagaOrchestrator
 * cannot run. The message has one line per issue: `Workflow <name>: <pointer>: <message>`.
 */
export class InvalidWorkflowError extends BatonConstructError {
  override readonly name = 'InvalidWorkflowError';

  constructor(
    /** The workflow's name, as given in the `workflows` prop. */
    readonly workflow: string,
    /** Every problem found, each located by the JSON Pointer of the bad field. */
    readonly issues: readonly DefinitionIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      issues.map((issue) => `Workflow ${workflow}: ${issue.pointer || '/'}: ${issue.message}`).join('\n'),
      options,
    );
  }
}

/** A prop of a Baton construct is invalid: the message names the prop, e.g. `workers.charge.batchSize`. */
export class InvalidPropsError extends BatonConstructError {
  override readonly name = 'InvalidPropsError';

  constructor(
    /** The path of the bad prop, e.g. `triggers[0].workflow`. */
    readonly prop: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${prop}: ${message}`, options);
  }
}

/** The SagaBuilder was asked for something it cannot render (a duplicate state name, a step after a terminal one). */
export class SagaBuilderError extends BatonConstructError {
  override readonly name = 'SagaBuilderError';
}
