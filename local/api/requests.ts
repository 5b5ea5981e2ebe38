/**
 * The bodies and query strings the local HTTP API accepts, validated with zod. A request that does
 * not fit is refused with a {@link BadRequestError} whose message names the field
 * (`Missing field 'workflow'`, `Field 'entries[0].detail': ...`).
 */
import { z } from 'zod';
import { ExecutionStatus } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { jsonSchema } from '../../lambdas/runtime/inbox-messages.js';
import type { ListFilter, PutEventEntry } from '../control.js';
import { BadRequestError } from './errors.js';

/** Most entries one `POST /api/events` takes, as PutEvents. */
export const MAX_EVENT_ENTRIES = 10;
/** Largest `limit` of a listing. */
export const MAX_LIST_LIMIT = 1_000;

const nonEmpty = z.string().min(1);

export const StartRequest = z.object({
  workflow: nonEmpty,
  /** @default {} */
  input: z._default(jsonSchema, {}),
  name: nonEmpty.optional(),
  domain: nonEmpty.optional(),
});
export type StartRequest = z.infer<typeof StartRequest>;

const putEventEntry = z.object({
  source: nonEmpty,
  detailType: nonEmpty,
  /** EventBridge takes an object as detail. @default {} */
  detail: z.record(z.string(), jsonSchema).default({}),
  eventBusName: nonEmpty.optional(),
});

export const PublishRequest = z.object({
  entries: z.array(putEventEntry).min(1).max(MAX_EVENT_ENTRIES),
});

export const RegisterWorkflowRequest = z.object({
  workflow: nonEmpty,
  /** Validated by the control plane, which names each problem's JSON Pointer. */
  definition: jsonSchema,
  domain: nonEmpty.optional(),
});

export const RerunRequest = z.object({ fromState: nonEmpty, input: z.optional(jsonSchema) });

export const StopRequest = z.object({ compensate: z.boolean().optional(), cause: z.string().optional() });

export const TaskSuccessRequest = z.object({ taskToken: nonEmpty, output: jsonSchema });

export const TaskFailureRequest = z.object({
  taskToken: nonEmpty,
  /** @default 'States.TaskFailed' */
  error: nonEmpty.default('States.TaskFailed'),
  cause: z.string().optional(),
});

export const TaskHeartbeatRequest = z.object({ taskToken: nonEmpty });

const statuses = Object.values(ExecutionStatus) as [ExecutionStatus, ...ExecutionStatus[]];

const ListQuery = z.object({
  workflow: nonEmpty.optional(),
  status: z.enum(statuses).optional(),
  since: z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time')
    .transform((value) => new Date(value).toISOString())
    .optional(),
  businessKey: nonEmpty.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).optional(),
});

/** Parses a JSON body (empty means `{}`) against `schema`. Throws BadRequestError naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, text: string): T {
  let body: unknown = {};
  if (text.trim().length > 0) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new BadRequestError(`The request body is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('The request body must be a JSON object');
  }
  return validate(schema, body);
}

/** The filter of `GET /api/executions`. Throws BadRequestError naming the parameter. */
export function parseListQuery(query: URLSearchParams): ListFilter {
  const fields: Record<string, string> = {};
  for (const key of ['workflow', 'status', 'since', 'businessKey', 'limit']) {
    const value = query.get(key);
    if (value !== null && value !== '') fields[key] = value;
  }
  const parsed = validate(ListQuery, fields);
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined)) as ListFilter;
}

/** The entries of a publish request in the control's shape. */
export function putEventEntries(request: z.infer<typeof PublishRequest>): PutEventEntry[] {
  return request.entries.map((entry) => ({
    source: entry.source,
    detailType: entry.detailType,
    detail: entry.detail as Json,
    ...(entry.eventBusName !== undefined ? { eventBusName: entry.eventBusName } : {}),
  }));
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue) throw new BadRequestError('The request is invalid');
  const field = fieldName(issue.path);
  if (field !== '' && valueAt(value, issue.path) === undefined) {
    throw new BadRequestError(`Missing field '${field}'`);
  }
  throw new BadRequestError(field === '' ? issue.message : `Field '${field}': ${issue.message}`);
}

function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
