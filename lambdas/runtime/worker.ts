/**
 * The worker side of a task: what a worker receives, and how its outcome goes back to the inbox.
 * `lambdas/aws/define-worker.ts` binds this to an SQS-triggered Lambda.
 *
 * Outcomes:
 * - the handler returns: `TaskSucceeded` with the returned value (JSON; `undefined` is `null`);
 * - it throws a {@link TaskFailure}, or any Error with a name of its own (`PaymentDeclined`):
 *   `TaskFailed` with that name as the ASL error, so Retry and Catch match on it;
 * - it throws anything else (a TypeError, a string): `TaskFailed` with `States.TaskFailed`.
 *
 * Delivery: at-least-once. The same task may arrive twice, and a retried state arrives again with
 * the same `idempotencyKey`; a worker with side effects must make them idempotent on that key.
 */
import * as z from 'zod/mini';
import type { Json } from '../engine/json.js';
// From its own module: the reducer's modules have top-level tables no bundler can drop.
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../engine/decide/env.js';
import { StatesErrors } from '../engine/errors.js';
import { MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH } from './failure-limits.js';
import { jsonSchema } from './json-value-schema.js';
import { parseOrDescribe } from './parse-or-describe.js';
import type { InboxSender, TaskDispatch } from './ports.js';

/** The message a worker queue carries for one task attempt. */
export const WorkerTaskMessageSchema = z.object({
  taskToken: z.string().check(z.minLength(1)),
  executionId: z.string().check(z.minLength(1)),
  workflow: z.string().check(z.minLength(1)),
  stateName: z.string().check(z.minLength(1)),
  attempt: z.int().check(z.positive()),
  idempotencyKey: z.string().check(z.minLength(1)),
  input: jsonSchema,
  compensation: z.boolean(),
  timeoutSeconds: z.optional(z.int().check(z.positive())),
  heartbeatSeconds: z.optional(z.int().check(z.positive())),
});

export type WorkerTaskMessage = z.infer<typeof WorkerTaskMessageSchema>;

/** The worker queue message for a dispatched task. */
export function workerTaskMessage(task: TaskDispatch): WorkerTaskMessage {
  const { command } = task;
  return {
    taskToken: task.taskToken,
    executionId: task.executionId,
    workflow: task.workflow,
    stateName: command.stateName,
    attempt: command.attempt,
    idempotencyKey: command.idempotencyKey,
    input: command.input,
    compensation: command.compensation,
    ...(command.timeoutSeconds !== undefined ? { timeoutSeconds: command.timeoutSeconds } : {}),
    ...(command.heartbeatSeconds !== undefined ? { heartbeatSeconds: command.heartbeatSeconds } : {}),
  };
}

/** What a worker handler learns about its task. */
export interface WorkerContext {
  readonly executionId: string;
  readonly workflow: string;
  readonly stateName: string;
  /** 1 for the first try, then 2, 3, ... as the state's Retry fires. */
  readonly attempt: number;
  /** Stable across redeliveries and retries of one state entry: pass it to payment providers and the like. */
  readonly idempotencyKey: string;
  readonly taskToken: string;
  /** True when this task is a saga compensation. */
  readonly compensation: boolean;
  /** Tells the orchestrator the task is alive (resets HeartbeatSeconds). */
  heartbeat(): Promise<void>;
}

/** A worker's implementation. */
export type WorkerHandler<Input = Json, Output = unknown> = (
  input: Input,
  context: WorkerContext,
) => Output | Promise<Output>;

/** A named, expected failure of a task: `error` is what Retry and Catch match. */
export class TaskFailure extends Error {
  constructor(
    readonly error: string,
    cause: string,
    options?: { cause?: unknown },
  ) {
    super(cause, options);
    this.name = error;
  }
}

/** A worker message that does not parse: it belongs in the worker's DLQ. */
export class MalformedTaskMessageError extends Error {
  override readonly name = 'MalformedTaskMessageError';
}

const BUILT_IN_ERRORS = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
  'AggregateError',
]);

/** Parses a worker queue message body. Throws MalformedTaskMessageError naming the bad field. */
export function parseWorkerTaskMessage(body: string): WorkerTaskMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new MalformedTaskMessageError(`The task message is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = parseOrDescribe(WorkerTaskMessageSchema, value, 'Invalid task message');
  if (!parsed.ok) throw new MalformedTaskMessageError(parsed.problem);
  return parsed.value;
}

/** The ASL error and cause a thrown value reports. */
export function failureOf(thrown: unknown): { error: string; cause: string } {
  if (thrown instanceof Error) {
    const named = thrown.name && !BUILT_IN_ERRORS.has(thrown.name);
    const error = named ? thrown.name : StatesErrors.TaskFailed;
    const cause = named ? thrown.message : `${thrown.name}: ${thrown.message}`;
    return { error: error.slice(0, MAX_ERROR_LENGTH), cause: cause.slice(0, MAX_CAUSE_LENGTH) };
  }
  return { error: StatesErrors.TaskFailed, cause: String(thrown).slice(0, MAX_CAUSE_LENGTH) };
}

/**
 * Runs one task attempt and reports its outcome to the inbox. Throws only when the report itself
 * cannot be sent (the caller then leaves the message for redelivery).
 */
export async function runTask(
  message: WorkerTaskMessage,
  handler: WorkerHandler<never>,
  inbox: InboxSender,
): Promise<void> {
  const { taskToken } = message;
  const context: WorkerContext = {
    executionId: message.executionId,
    workflow: message.workflow,
    stateName: message.stateName,
    attempt: message.attempt,
    idempotencyKey: message.idempotencyKey,
    taskToken,
    compensation: message.compensation,
    heartbeat: () => inbox.send({ kind: 'TaskHeartbeat', taskToken }),
  };
  let output: unknown;
  try {
    output = await handler(message.input as never, context);
  } catch (thrown) {
    const { error, cause } = failureOf(thrown);
    await inbox.send({ kind: 'TaskFailed', taskToken, error, cause });
    return;
  }
  let result: Json;
  let bytes: number;
  try {
    const text = output === undefined ? 'null' : JSON.stringify(output);
    result = JSON.parse(text) as Json;
    bytes = Buffer.byteLength(text, 'utf8');
  } catch (thrown) {
    await inbox.send({
      kind: 'TaskFailed',
      taskToken,
      error: StatesErrors.TaskFailed,
      cause: `The worker returned a value that is not JSON: ${(thrown as Error).message}`,
    });
    return;
  }
  if (bytes > DEFAULT_MAX_PAYLOAD_BYTES) {
    // The state would fail with this error once the result arrived; a result this large may not
    // fit in an inbox message at all, and a send that fails would run the worker again and again.
    await inbox.send({
      kind: 'TaskFailed',
      taskToken,
      error: StatesErrors.DataLimitExceeded,
      cause: `The task result is ${bytes} bytes, over the ${DEFAULT_MAX_PAYLOAD_BYTES}-byte limit of a state's payload`,
    });
    return;
  }
  await inbox.send({ kind: 'TaskSucceeded', taskToken, output: result });
}
