/**
 * The messages the orchestrator's inbox accepts, validated with zod. A message that does not
 * parse is rejected with the reason (and, on SQS, left for the dead-letter queue).
 */
import { z } from 'zod';
import type { Json } from '../engine/json.js';

/** Step Functions' limits on error names and causes. */
export const MAX_ERROR_LENGTH = 256;
export const MAX_CAUSE_LENGTH = 32_768;
/** Execution names follow Step Functions: 1-80 characters. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

/**
 * How deeply arrays and objects may nest in a message's JSON values. Deeper ones are refused with
 * a reason rather than exhausting the stack of whatever walks them next (a validator, the engine).
 */
export const MAX_JSON_DEPTH = 500;

/** Any JSON value, nested at most {@link MAX_JSON_DEPTH} levels deep. */
export const jsonSchema: z.ZodType<Json> = z.custom<Json>((value) => jsonProblem(value) === undefined, {
  error: (issue) => jsonProblem(issue.input) ?? 'must be JSON',
});

/**
 * What makes `value` unfit as a JSON value of a message, or undefined when it is fit. Iterative,
 * so that no nesting can exhaust the stack (a recursive schema overflows at about 2,000 levels).
 */
function jsonProblem(value: unknown): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: item, depth } = next;
    if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) return `must be JSON: ${item} is not a JSON number`;
      continue;
    }
    if (typeof item !== 'object') return `must be JSON: a ${typeof item} is not a JSON value`;
    if (depth >= MAX_JSON_DEPTH) return `must be JSON nested at most ${MAX_JSON_DEPTH} levels deep`;
    const children = Array.isArray(item) ? item : Object.values(item);
    for (const child of children) pending.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

/** Step Functions forbids whitespace, these punctuation marks and control characters in names. */
function isAllowedName(name: string): boolean {
  if (FORBIDDEN_NAME_CHARACTERS.test(name)) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return true;
}

const executionName = z
  .string()
  .min(1)
  .max(MAX_EXECUTION_NAME_LENGTH)
  .refine(isAllowedName, 'contains a character Step Functions does not allow in names');

const start = z.object({
  kind: z.literal('StartExecution'),
  workflow: z.string().min(1),
  name: executionName.optional(),
  input: jsonSchema.default({}),
  businessKey: z.string().min(1).max(256).optional(),
  /** Start at this top-level state instead of StartAt (a rerun). */
  startAt: z.string().min(1).optional(),
  /** Run this definition version instead of the latest (a rerun). */
  version: z.string().min(1).optional(),
  /** Seed of the execution's random draws (retry jitter, States.UUID). @default the execution id */
  seed: z.string().min(1).max(256).optional(),
});

/** An EventBridge event wrapped by the trigger rule's input transformer. */
const startFromEvent = z.object({
  kind: z.literal('StartFromEvent'),
  workflow: z.string().min(1),
  /** JSONPath into the event naming the business key (the execution name); default: the event id. */
  businessKeyPath: z.string().startsWith('$').optional(),
  /** JSONPath of the execution input within the event. @default '$.detail' */
  inputPath: z.string().startsWith('$').optional(),
  event: z
    .object({ id: z.string().min(1), 'detail-type': z.string(), source: z.string(), detail: jsonSchema })
    .passthrough(),
});

/** A domain event routed to the inbox by a rule, for states waiting on correlated events. */
const eventReceived = z.object({
  kind: z.literal('EventReceived'),
  event: z
    .object({ id: z.string().min(1), 'detail-type': z.string(), source: z.string(), detail: jsonSchema })
    .passthrough(),
});

const taskSucceeded = z.object({
  kind: z.literal('TaskSucceeded'),
  taskToken: z.string().min(1),
  output: jsonSchema,
});
const taskFailed = z.object({
  kind: z.literal('TaskFailed'),
  taskToken: z.string().min(1),
  error: z.string().max(MAX_ERROR_LENGTH).default('States.TaskFailed'),
  cause: z.string().max(MAX_CAUSE_LENGTH).optional(),
});
const taskHeartbeat = z.object({ kind: z.literal('TaskHeartbeat'), taskToken: z.string().min(1) });
const timerFired = z.object({
  kind: z.literal('TimerFired'),
  executionId: z.string().min(1),
  timerId: z.string().min(1),
});
const stop = z.object({
  kind: z.literal('StopExecution'),
  executionId: z.string().min(1),
  error: z.string().max(MAX_ERROR_LENGTH).optional(),
  cause: z.string().max(MAX_CAUSE_LENGTH).optional(),
  compensate: z.boolean().optional(),
  /** The run (redrive count) it was meant for; a late one for an earlier run changes nothing. */
  redriveCount: z.number().int().nonnegative().optional(),
});
const redrive = z.object({
  kind: z.literal('RedriveExecution'),
  executionId: z.string().min(1),
  /** The run (redrive count) it redrives; delivered again after that run failed, it changes nothing. */
  redriveCount: z.number().int().nonnegative().optional(),
});

/** Every inbox message. */
export const InboxMessageSchema = z.discriminatedUnion('kind', [
  start,
  startFromEvent,
  eventReceived,
  taskSucceeded,
  taskFailed,
  taskHeartbeat,
  timerFired,
  stop,
  redrive,
]);

export type InboxMessage = z.infer<typeof InboxMessageSchema>;

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
  const parsed = InboxMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `/${issue.path.join('/')}` : '/';
    throw new MalformedMessageError(
      `Invalid inbox message at ${where}: ${issue?.message ?? 'unknown problem'}`,
    );
  }
  return parsed.data;
}
