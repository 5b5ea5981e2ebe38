/**
 * The messages the orchestrator's inbox accepts, validated with zod's tree-shakable build
 * (`zod/mini`: the Lambda bundles carry only the checks used here). A message that does not parse
 * is rejected with the reason (and, on SQS, left for the dead-letter queue).
 */
import * as z from 'zod/mini';
import { isAllowedName } from '../engine/allowed-name.js';
import { MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH } from './failure-limits.js';
import { jsonSchema } from './json-value-schema.js';
import { parseOrDescribe } from './parse-or-describe.js';

export { MAX_CAUSE_LENGTH, MAX_ERROR_LENGTH } from './failure-limits.js';
export { isAllowedName } from '../engine/allowed-name.js';
export { jsonSchema, MAX_JSON_DEPTH } from './json-value-schema.js';

/** Execution names follow Step Functions: 1-80 characters. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/** A non-empty string. */
const nonEmpty = () => z.string().check(z.minLength(1));
/** A string of at most `max` characters. */
const upTo = (max: number) => z.string().check(z.maxLength(max));
/** A JSONPath: starts with `$`. */
const jsonPath = () => z.string().check(z.startsWith('$'));
/** A redrive count: a whole number, 0 or more. */
const runNumber = () => z.int().check(z.gte(0));

const executionName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(MAX_EXECUTION_NAME_LENGTH),
    z.refine(isAllowedName, 'contains a character Step Functions does not allow in names'),
  );

/** An EventBridge event, with whatever other fields it carries. */
const domainEvent = z.looseObject({
  id: nonEmpty(),
  'detail-type': z.string(),
  source: z.string(),
  detail: jsonSchema,
});

/** The execution that starts a child (`states:startExecution`), as the child keeps it. */
const parentLink = z.object({
  executionId: nonEmpty(),
  domain: z.optional(nonEmpty()),
  integration: z.enum(['requestResponse', 'sync', 'sync:2', 'waitForTaskToken']),
  stateMachineArn: nonEmpty(),
  executionArn: nonEmpty(),
  /** Where the child reports its end, when the parent is in another domain. */
  replyTo: z.optional(nonEmpty()),
  /** Set when the parent waits for the child's end: the end is reported with it. */
  taskToken: z.optional(nonEmpty()),
  /** Set for a Distributed Map's child: its end is recorded in the Map Run. */
  mapRun: z.optional(
    z.object({
      mapRunId: nonEmpty(),
      chunk: runNumber(),
      child: runNumber(),
      firstItem: runNumber(),
      items: z.int().check(z.gte(1)),
    }),
  ),
});

const start = z.object({
  kind: z.literal('StartExecution'),
  workflow: nonEmpty(),
  name: z.optional(executionName),
  input: z._default(jsonSchema, {}),
  businessKey: z.optional(nonEmpty().check(z.maxLength(256))),
  /** Start at this top-level state instead of StartAt (a rerun). */
  startAt: z.optional(nonEmpty()),
  /** Run this definition version instead of the latest (a rerun). */
  version: z.optional(nonEmpty()),
  /** Seed of the execution's random draws (retry jitter, States.UUID). @default the execution id */
  seed: z.optional(nonEmpty().check(z.maxLength(256))),
  /** The execution starting this one as its child. @default none */
  parent: z.optional(parentLink),
});

/** An EventBridge event wrapped by the trigger rule's input transformer. */
const startFromEvent = z.object({
  kind: z.literal('StartFromEvent'),
  workflow: nonEmpty(),
  /** JSONPath into the event naming the business key (the execution name); default: the event id. */
  businessKeyPath: z.optional(jsonPath()),
  /** JSONPath of the execution input within the event. @default '$.detail' */
  inputPath: z.optional(jsonPath()),
  event: domainEvent,
});

/** A domain event routed to the inbox by a rule, for states waiting on correlated events. */
const eventReceived = z.object({
  kind: z.literal('EventReceived'),
  event: domainEvent,
});

const taskSucceeded = z.object({
  kind: z.literal('TaskSucceeded'),
  taskToken: nonEmpty(),
  output: jsonSchema,
});
const taskFailed = z.object({
  kind: z.literal('TaskFailed'),
  taskToken: nonEmpty(),
  error: z._default(upTo(MAX_ERROR_LENGTH), 'States.TaskFailed'),
  cause: z.optional(upTo(MAX_CAUSE_LENGTH)),
});
/** A task's target took it (a child execution started): what it answered, for the history and a cancel. */
const taskSubmitted = z.object({
  kind: z.literal('TaskSubmitted'),
  taskToken: nonEmpty(),
  output: jsonSchema,
  /** The task's resource: a task that ended before this came is cancelled there. @default not cancelled */
  resource: z.optional(nonEmpty()),
});
const taskHeartbeat = z.object({ kind: z.literal('TaskHeartbeat'), taskToken: nonEmpty() });
/**
 * A `.sync` job to look at again (`athena:startQueryExecution.sync`...): its task, the start
 * call's result, and how many looks came before. Internal only: the task router sends it to
 * itself, delayed, until the job ends or the task no longer waits for it.
 */
const pollTask = z.object({
  kind: z.literal('PollTask'),
  taskToken: nonEmpty(),
  resource: nonEmpty(),
  started: jsonSchema,
  polls: z.int().check(z.gte(1)),
});
/** A Map Run's dispatcher: its next step (internal, sent by the run itself). */
const mapRunTick = z.object({
  kind: z.literal('MapRunTick'),
  mapRunId: nonEmpty(),
  tick: runNumber(),
});
/** One child of a Map Run's chunk. */
const plannedChild = z.object({
  child: runNumber(),
  firstItem: runNumber(),
  items: z.int().check(z.gte(1)),
  input: jsonSchema,
});
/** EXPRESS children of a Map Run to run in memory (internal). */
const runMapChunk = z.object({
  kind: z.literal('RunMapChunk'),
  mapRunId: nonEmpty(),
  chunk: runNumber(),
  /** The run (redrive count) that sent it: a chunk of a redrive may come before its record. */
  run: z.optional(runNumber()),
  children: z.array(plannedChild).check(z.minLength(1)),
});
/**
 * A STANDARD child of a Map Run ended (internal: sent with the child's terminal transition). Its
 * outcome (a `ChildOutcome`) is checked by the Map Run store that records it.
 */
const mapRunChildEnded = z.object({
  kind: z.literal('MapRunChildEnded'),
  mapRunId: nonEmpty(),
  chunk: runNumber(),
  outcome: jsonSchema,
});
const timerFired = z.object({
  kind: z.literal('TimerFired'),
  executionId: nonEmpty(),
  timerId: nonEmpty(),
});
const stop = z.object({
  kind: z.literal('StopExecution'),
  executionId: nonEmpty(),
  error: z.optional(upTo(MAX_ERROR_LENGTH)),
  cause: z.optional(upTo(MAX_CAUSE_LENGTH)),
  compensate: z.optional(z.boolean()),
  /** The run (redrive count) it was meant for; a late one for an earlier run changes nothing. */
  redriveCount: z.optional(runNumber()),
});
const redrive = z.object({
  kind: z.literal('RedriveExecution'),
  executionId: nonEmpty(),
  /** The run (redrive count) it redrives; delivered again after that run failed, it changes nothing. */
  redriveCount: z.optional(runNumber()),
});

/** Every inbox message. */
export const InboxMessageSchema = z.discriminatedUnion('kind', [
  start,
  startFromEvent,
  eventReceived,
  taskSucceeded,
  taskFailed,
  taskSubmitted,
  taskHeartbeat,
  pollTask,
  timerFired,
  stop,
  redrive,
  mapRunTick,
  runMapChunk,
  mapRunChildEnded,
]);

export type InboxMessage = z.infer<typeof InboxMessageSchema>;

/** The internal messages of Distributed Map runs. */
export type MapRunMessage = Extract<
  InboxMessage,
  { kind: 'MapRunTick' | 'RunMapChunk' | 'MapRunChildEnded' }
>;

/** Whether an inbox message is one of a Map Run's. */
export function isMapRunMessage(message: InboxMessage): message is MapRunMessage {
  return (
    message.kind === 'MapRunTick' || message.kind === 'RunMapChunk' || message.kind === 'MapRunChildEnded'
  );
}

/**
 * What the public inbox accepts: starts, and task results (which carry a task token that only the
 * orchestrator can sign). Everything else (stops, redrives, timers, correlated events, starts from
 * events) comes only through the internal inbox, which only the domain's own parts and operators
 * may send to: a party allowed to start executions can start them, nothing more.
 */
export const PUBLIC_MESSAGE_KINDS: ReadonlySet<InboxMessage['kind']> = new Set([
  'StartExecution',
  'TaskSucceeded',
  'TaskFailed',
  'TaskHeartbeat',
]);

/** A message that is not a valid inbox message: `reason` says what is wrong and where. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/** Parses an inbox message body (JSON text or an object). Throws MalformedMessageError. */
export function parseInboxMessage(body: unknown): InboxMessage {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch (error) {
      throw new MalformedMessageError(`The message body is not JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const parsed = parseOrDescribe(InboxMessageSchema, value, 'Invalid inbox message');
  if (!parsed.ok) throw new MalformedMessageError(parsed.problem);
  return parsed.value;
}
