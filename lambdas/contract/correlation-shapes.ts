/**
 * What the `baton:waitForEvent` states of a definition match events on (their correlation
 * shapes), found by walking the definition as plain JSON. Pure: the CDK construct computes the
 * shapes at synth (into the orchestrator's environment), the local runtime when it loads a domain,
 * and the orchestrator matches events against them (`lambdas/runtime/correlation.ts`).
 */
import { isJsonObject, type Json } from '../engine/json.js';
import { WAIT_FOR_EVENT_RESOURCE } from './task-resources.js';

/** What a waiting state matches on: fixed for a workflow, known when it is deployed. */
export interface CorrelationShape {
  readonly detailType: string;
  readonly source?: string;
  /** Dotted paths into the event, e.g. `detail.orderId`, sorted. */
  readonly paths: readonly string[];
}

/**
 * The correlation shapes a definition waits on, found by walking its Task states. `Match` keys
 * ending in `.$` count without the suffix. Shapes from several definitions may be concatenated.
 */
export function correlationShapes(definition: unknown): CorrelationShape[] {
  const shapes = new Map<string, CorrelationShape>();
  const visit = (node: unknown, depth: number): void => {
    if (depth > 64 || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    const record = node as Record<string, unknown>;
    if (
      record.Type === 'Task' &&
      record.Resource === WAIT_FOR_EVENT_RESOURCE &&
      isJsonObject(record.Parameters as Json)
    ) {
      const parameters = record.Parameters as Record<string, unknown>;
      const detailType = parameters.DetailType;
      const source = parameters.Source;
      const match = parameters.Match;
      if (typeof detailType === 'string' && isJsonObject(match as Json)) {
        const paths = Object.keys(match as object)
          .map((key) => (key.endsWith('.$') ? key.slice(0, -2) : key))
          .sort();
        const shape: CorrelationShape = {
          detailType,
          ...(typeof source === 'string' ? { source } : {}),
          paths,
        };
        shapes.set(JSON.stringify(shape), shape);
      }
    }
    for (const value of Object.values(record)) visit(value, depth + 1);
  };
  visit(definition, 0);
  return [...shapes.values()];
}
