/**
 * Waiting for a correlated domain event: a Task with `"Resource": "baton:waitForEvent"` ends when
 * an event arrives on the domain bus whose detail-type (and source, if given) and matched fields
 * equal what the state asked for, or fails with `States.Timeout` after its TimeoutSeconds.
 *
 * ```json
 * "WaitForFraudCheck": {
 *   "Type": "Task",
 *   "Resource": "baton:waitForEvent",
 *   "Parameters": {
 *     "DetailType": "Fraud Check Completed",
 *     "Match": { "detail.orderId.$": "$.orderId" }
 *   },
 *   "TimeoutSeconds": 3600,
 *   "ResultPath": "$.fraudCheck",
 *   "Next": "Charge"
 * }
 * ```
 *
 * The result is the whole event (`id`, `source`, `detail-type`, `detail`, ...). An event may
 * arrive before the state waits for it: events are kept for a while, so the order does not matter.
 */
import type { Json } from '../engine/json.js';
import { isJsonObject } from '../engine/json.js';
import { compilePath, readPath } from '../engine/json-path.js';
import type { CorrelationShape } from '../contract/correlation-shapes.js';
import type { KeptEvent } from './ports.js';

/** A wait's parameters, validated. */
export interface EventWait {
  readonly shape: CorrelationShape;
  readonly key: string;
}

/** The state's Parameters are not a valid wait. */
export class InvalidEventWaitError extends Error {
  override readonly name = 'InvalidEventWaitError';
}

/** Parses a wait's effective input (`{ DetailType, Source?, Match }`). */
export function parseEventWait(input: Json): EventWait {
  if (!isJsonObject(input))
    throw new InvalidEventWaitError('baton:waitForEvent needs Parameters with DetailType and Match');
  const { DetailType: detailType, Source: source, Match: match } = input;
  if (typeof detailType !== 'string' || detailType.length === 0) {
    throw new InvalidEventWaitError('baton:waitForEvent: DetailType must be a non-empty string');
  }
  if (source !== undefined && typeof source !== 'string')
    throw new InvalidEventWaitError('baton:waitForEvent: Source must be a string');
  if (!isJsonObject(match) || Object.keys(match).length === 0) {
    throw new InvalidEventWaitError(
      'baton:waitForEvent: Match must be an object of event paths to values, e.g. { "detail.orderId": "o-1" }',
    );
  }
  const paths = Object.keys(match).sort();
  const shape: CorrelationShape = { detailType, ...(source !== undefined ? { source } : {}), paths };
  return {
    shape,
    key: correlationKey(
      shape,
      paths.map((path) => match[path] as Json),
    ),
  };
}

/** The key of a shape with values: equal for the waiting state and the matching event. */
export function correlationKey(shape: CorrelationShape, values: readonly Json[]): string {
  const pairs = shape.paths.map((path, index) => `${path}=${JSON.stringify(values[index])}`);
  return `${shape.source ?? '*'}|${shape.detailType}|${pairs.join('&')}`;
}

/** The keys an event matches, one per shape it fits (its detail-type, source and every path present). */
export function eventKeys(event: Json, shapes: readonly CorrelationShape[]): string[] {
  if (!isJsonObject(event)) return [];
  const keys: string[] = [];
  for (const shape of shapes) {
    if (event['detail-type'] !== shape.detailType) continue;
    if (shape.source !== undefined && event.source !== shape.source) continue;
    const values: Json[] = [];
    for (const path of shape.paths) {
      const found = readPath(compilePath(`$.${path}`), event, null);
      if (!found.found) break;
      values.push(found.value);
    }
    if (values.length === shape.paths.length) keys.push(correlationKey(shape, values));
  }
  return keys;
}

/** How long a kept event is still answered after its expiry (see `CorrelationStore.keptEvents`). */
export const KEPT_EVENT_GRACE_MS = 86_400_000;

/**
 * The event a wait that registered at `registeredAt` ends with: the oldest kept event that was
 * alive then (kept before or after it registered). Undefined when there is none.
 */
export function firstEventFor(kept: readonly KeptEvent[], registeredAt: number): Json | undefined {
  return kept.find((entry) => entry.expiresAt > registeredAt)?.event;
}
