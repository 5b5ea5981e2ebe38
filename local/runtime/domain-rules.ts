/**
 * A domain's EventBridge rules on a local bus, as the construct deploys them on AWS: one rule per
 * trigger (the event becomes a `StartFromEvent` inbox message) and one per event shape a workflow
 * waits for (the event becomes an `EventReceived` message). Every local wiring (the local runtime,
 * the in-process control) routes events with these, so an event reaches the same inboxes in each.
 */
import type { Json } from '../../lambdas/engine/json.js';
import type { CorrelationShape } from '../../lambdas/contract/correlation-shapes.js';
import { ConflictError, NotFoundError, type PutEventEntry } from '../control.js';
import type { LocalEventBus } from '../emulators/eventbridge/bus.js';
import type { TargetInput } from '../emulators/eventbridge/target-input.js';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES_PER_PUT = 10;

/** An event that starts a workflow: the domain's trigger rule. */
export interface EventTrigger {
  readonly workflow: string;
  readonly detailType: string;
  /** @default any source */
  readonly source?: string;
  /** JSONPath into the event naming the business key (the execution name). @default the event id */
  readonly businessKeyPath?: string;
}

/** What {@link putDomainRules} routes, and where to. */
export interface DomainRules {
  /** The domain's name: rule names start with it. */
  readonly domain: string;
  readonly triggers: readonly EventTrigger[];
  /** The events the domain's workflows wait for (`correlationShapes` of each definition). */
  readonly awaited: readonly CorrelationShape[];
  /** Sends one message to the domain's inbox. At-least-once: the bus retries a throw. */
  readonly sendToInbox: (body: Json) => void | Promise<void>;
}

/** Puts the domain's trigger and awaited-event rules on `bus` (replacing rules of the same names). */
export function putDomainRules(bus: LocalEventBus, rules: DomainRules): void {
  /** A rule matching the detail type (and source, when given) whose target sends `message(event)`. */
  const route = (
    name: string,
    match: { detailType: string; source?: string },
    message: (event: Json) => Json,
  ) =>
    bus.putRule({
      name: `${rules.domain}-${name}`,
      eventPattern: {
        'detail-type': [match.detailType],
        ...(match.source !== undefined ? { source: [match.source] } : {}),
      },
      targets: [{ id: 'inbox', deliver: (input) => rules.sendToInbox(message(eventOf(input))) }],
    });
  for (const [index, trigger] of rules.triggers.entries()) {
    route(`trigger-${index}`, trigger, (event) => ({
      kind: 'StartFromEvent',
      workflow: trigger.workflow,
      ...(trigger.businessKeyPath !== undefined ? { businessKeyPath: trigger.businessKeyPath } : {}),
      event,
    }));
  }
  for (const [index, shape] of rules.awaited.entries()) {
    route(`awaited-${index}`, shape, (event) => ({ kind: 'EventReceived', event }));
  }
}

/** The whole event, which is what these rules' targets receive (no input transformation). */
function eventOf(input: TargetInput): Json {
  if (input.type !== 'json') throw new Error('a domain rule delivers the event as JSON');
  return input.value as Json;
}

/**
 * Puts entries on the named buses, 10 per PutEvents call; an entry that names no bus goes to every
 * bus given. Returns the event ids in entry order. Throws NotFoundError for an unknown bus and
 * ConflictError naming the first entry the bus refused.
 */
export async function publishToBuses(
  buses: ReadonlyMap<string, LocalEventBus>,
  entries: readonly PutEventEntry[],
): Promise<string[]> {
  for (const entry of entries) {
    if (entry.eventBusName !== undefined && !buses.has(entry.eventBusName))
      throw new NotFoundError(`No event bus named ${entry.eventBusName}`);
  }
  const ids: string[] = [];
  for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_PUT) {
    const chunk = entries.slice(i, i + MAX_ENTRIES_PER_PUT);
    const idsOfChunk: (string | undefined)[] = chunk.map(() => undefined);
    for (const [name, bus] of buses) {
      const targeted = chunk.flatMap((entry, index) =>
        entry.eventBusName === undefined || entry.eventBusName === name ? [{ entry, index }] : [],
      );
      if (targeted.length === 0) continue;
      const result = await bus.putEvents(
        targeted.map(({ entry }) => ({
          source: entry.source,
          detailType: entry.detailType,
          detail: JSON.stringify(entry.detail),
        })),
      );
      for (const [position, outcome] of result.entries.entries()) {
        if (outcome.type === 'failed')
          throw new ConflictError(
            `The bus ${name} refused an event: ${outcome.errorCode}: ${outcome.errorMessage}`,
          );
        const index = (targeted[position] as { index: number }).index;
        idsOfChunk[index] ??= outcome.eventId;
      }
    }
    ids.push(...idsOfChunk.map((id) => id ?? ''));
  }
  return ids;
}
