/**
 * Amazon EventBridge's PutEvents (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`) onto
 * registered {@link LocalEventBus}es. An entry names its bus by name or ARN (`default` when it
 * names none); the request fails with ResourceNotFoundException when a bus is not registered, as
 * EventBridge does for a bus that does not exist. `Time` arrives as epoch seconds (the JSON
 * protocol's timestamp format).
 */
import { EventBridgeValidationError } from '../eventbridge/errors.js';
import type { LocalEventBus, PutEventsEntry, PutEventsResultEntry } from '../eventbridge/bus.js';
import { AwsApiError, unknownOperation } from './errors.js';
import type { FieldErrors, FieldReader } from './request-fields.js';

/** EventBridge's code for a bad request field. */
export const EVENTS_FIELD_ERRORS: FieldErrors = {
  missing: 'ValidationException',
  invalid: 'ValidationException',
};

/** The EventBridge operations, over registered buses. */
export class EventsApi {
  private readonly buses = new Map<string, LocalEventBus>();

  /** Makes a bus reachable by its name and its ARN. */
  register(bus: LocalEventBus): void {
    this.buses.set(bus.name, bus);
    this.buses.set(bus.arn, bus);
  }

  async handle(operation: string, request: FieldReader): Promise<object> {
    if (operation !== 'PutEvents') throw unknownOperation(`AWSEvents.${operation}`);
    if (request.has('EndpointId')) {
      throw new AwsApiError('ValidationException', 'Global endpoints (EndpointId) are not emulated locally');
    }
    const entries = request.requiredObjectList('Entries');
    const routed = entries.map((entry, index) => {
      const busName = entry.optionalString('EventBusName') ?? 'default';
      const bus = this.buses.get(busName);
      if (!bus) {
        throw new AwsApiError('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
      }
      return { index, bus, entry: toEntry(entry) };
    });
    const results: PutEventsResultEntry[] = new Array<PutEventsResultEntry>(entries.length);
    // One PutEvents per bus, in entry order; EventBridge checks the request as a whole first.
    for (const bus of new Set(routed.map((item) => item.bus))) {
      const mine = routed.filter((item) => item.bus === bus);
      let outcome;
      try {
        outcome = await bus.putEvents(mine.map((item) => item.entry));
      } catch (error) {
        if (error instanceof EventBridgeValidationError) {
          throw new AwsApiError('ValidationException', error.message);
        }
        throw error;
      }
      outcome.entries.forEach((result, position) => {
        results[(mine[position] as (typeof mine)[number]).index] = result;
      });
    }
    return {
      FailedEntryCount: results.filter((result) => result.type === 'failed').length,
      Entries: results.map((result) =>
        result.type === 'accepted'
          ? { EventId: result.eventId }
          : { ErrorCode: result.errorCode, ErrorMessage: result.errorMessage },
      ),
    };
  }
}

function toEntry(entry: FieldReader): PutEventsEntry {
  const source = entry.optionalString('Source');
  const detailType = entry.optionalString('DetailType');
  const detail = entry.optionalString('Detail');
  const resources = entry.optionalStringList('Resources');
  const time = entry.optionalNumber('Time');
  const traceHeader = entry.optionalString('TraceHeader');
  return {
    ...(source !== undefined ? { source } : {}),
    ...(detailType !== undefined ? { detailType } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ...(resources !== undefined ? { resources } : {}),
    ...(time !== undefined ? { time: new Date(time * 1000) } : {}),
    ...(traceHeader !== undefined ? { traceHeader } : {}),
  };
}
