/**
 * The Task `Resource` strings Baton understands, and what one asks for: a Baton worker
 * (`baton:worker:<name>`), a wait for a correlated event (`baton:waitForEvent`), one of the Step
 * Functions service integrations Baton performs itself (SQS SendMessage, EventBridge PutEvents,
 * Lambda Invoke), or a Lambda function named by its ARN. Pure functions: the task router uses them
 * at run time, the CDK construct at synth time (to check that every worker a definition names
 * exists), the SagaBuilder to write them.
 */

/** A parsed Task resource, discriminated on `type`. */
export type TaskResource =
  /** `baton:worker:<name>`: a message on the worker's SQS queue. */
  | { readonly type: 'worker'; readonly name: string }
  /** `arn:aws:states:::sqs:sendMessage[.waitForTaskToken]`. */
  | { readonly type: 'sqs'; readonly waitForTaskToken: boolean }
  /** `arn:aws:states:::events:putEvents[.waitForTaskToken]`. */
  | { readonly type: 'events'; readonly waitForTaskToken: boolean }
  /** `arn:aws:states:::lambda:invoke[.waitForTaskToken]`. */
  | { readonly type: 'lambda'; readonly waitForTaskToken: boolean }
  /** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`: invoked with the state's input. */
  | { readonly type: 'lambda-arn'; readonly functionArn: string }
  /** Anything else: the task fails when dispatched. */
  | { readonly type: 'unsupported'; readonly resource: string };

/** The prefix of worker resources. */
export const WORKER_RESOURCE_PREFIX = 'baton:worker:';

/** The Task resource of a Baton worker: `baton:worker:<name>`. */
export function workerResource(worker: string): string {
  return `${WORKER_RESOURCE_PREFIX}${worker}`;
}

/** The Task resource that waits for a correlated domain event (see `correlation-shapes.ts`). */
export const WAIT_FOR_EVENT_RESOURCE = 'baton:waitForEvent';

/** The Task resource that publishes events on EventBridge (the Step Functions integration). */
export const PUT_EVENTS_RESOURCE = 'arn:aws:states:::events:putEvents';

/** Worker names: what a queue name or a CloudFormation logical id can be built from. */
const WORKER_RESOURCE = /^baton:worker:([A-Za-z0-9][A-Za-z0-9_.-]*)$/;
/** Any AWS partition (aws, aws-cn, aws-us-gov, ...). */
const INTEGRATION_RESOURCE =
  /^arn:aws[a-z-]*:states:::(sqs:sendMessage|events:putEvents|lambda:invoke)(\.waitForTaskToken)?$/;
const FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

/** Parses a Task (or Compensate) `Resource` string. Never throws: unknown forms are `unsupported`. */
export function parseTaskResource(resource: string): TaskResource {
  const worker = WORKER_RESOURCE.exec(resource);
  if (worker) return { type: 'worker', name: worker[1] as string };
  const integration = INTEGRATION_RESOURCE.exec(resource);
  if (integration) {
    const waitForTaskToken = integration[2] !== undefined;
    switch (integration[1]) {
      case 'sqs:sendMessage':
        return { type: 'sqs', waitForTaskToken };
      case 'events:putEvents':
        return { type: 'events', waitForTaskToken };
      case 'lambda:invoke':
        return { type: 'lambda', waitForTaskToken };
    }
  }
  if (FUNCTION_ARN.test(resource)) return { type: 'lambda-arn', functionArn: resource };
  return { type: 'unsupported', resource };
}

/**
 * The names of the workers a definition's Task states and their `Compensate` blocks use, sorted
 * and without duplicates. Walks the definition as plain JSON (States, Parallel `Branches`, Map
 * `Iterator` / `ItemProcessor`), so it accepts a definition straight from a file; it looks at
 * `Resource` fields of states only, never into `Parameters` or other payload templates.
 */
export function listWorkerNames(definition: unknown): string[] {
  const names = new Set<string>();
  const visitMachine = (machine: unknown): void => {
    const states = field(machine, 'States');
    if (!isRecord(states)) return;
    for (const state of Object.values(states)) visitState(state);
  };
  const visitState = (state: unknown): void => {
    if (!isRecord(state)) return;
    switch (state.Type) {
      case 'Task':
        addWorker(state.Resource);
        addWorker(field(state.Compensate, 'Resource'));
        return;
      case 'Parallel':
        if (Array.isArray(state.Branches)) state.Branches.forEach(visitMachine);
        return;
      case 'Map':
        visitMachine(state.ItemProcessor);
        visitMachine(state.Iterator);
        return;
    }
  };
  const addWorker = (resource: unknown): void => {
    if (typeof resource !== 'string') return;
    const parsed = parseTaskResource(resource);
    if (parsed.type === 'worker') names.add(parsed.name);
  };
  visitMachine(definition);
  return [...names].sort();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}
