/**
 * A Distributed Map's ItemSelector, evaluated per item by the Map Run's dispatcher with what the
 * request carries: the state's input (`$` / `$states.input`), its context object with
 * `Map.Item.Index` and `Map.Item.Value`, and the variables the state sees. Loaded with Map Runs,
 * not at the orchestrator's init.
 */
import type { JsonataFactory } from '../../engine/jsonata/library.js';
import { compileJsonataTemplate, evaluateJsonataTemplate } from '../../engine/jsonata/query.js';
import { stepFunctionsFunctions } from '../../engine/jsonata/functions.js';
import { isJsonObject, type Json, type JsonObject } from '../../engine/json.js';
import { compileTemplate, evaluateTemplate } from '../../engine/payload-template.js';
import type { MapRunRequest } from '../../engine/distributed-map.js';

/** Compiled ItemSelectors, by request text: a run evaluates the same selector for every item. */
export interface ItemInputEvaluator {
  /** The child input of item `index` with value `value`. Throws a StatesError the runtime reports. */
  (index: number, value: Json): Json;
}

/**
 * The evaluator of a request's ItemSelector: `$$.Map.Item.Index` / `.Value` (JSONPath) or
 * `$states.context.Map.Item` (JSONata) read the item; `$` / `$states.input` the state's input.
 * Without an ItemSelector the child input is the item itself. `jsonata` is needed for a JSONata
 * state only.
 */
export function itemInputEvaluator(
  request: MapRunRequest,
  jsonata: JsonataFactory | undefined,
  random: () => number,
): ItemInputEvaluator {
  const selector = request.itemSelector;
  if (selector === undefined) return (_index, value) => value;
  const variables = request.variables ?? {};
  const withItem = (index: number, value: Json): JsonObject => ({
    ...request.context,
    Map: { Item: { Index: index, Value: value, Source: 'STATE_DATA' } },
  });
  if (request.language === 'JSONata') {
    const template = compileJsonataTemplate(selector, 'ItemSelector', jsonata);
    const functions = stepFunctionsFunctions({ random });
    return (index, value) =>
      evaluateJsonataTemplate(template, {
        states: { input: request.input, context: withItem(index, value) },
        variables,
        functions,
        now: Date.parse(String((request.context.State as JsonObject | undefined)?.EnteredTime ?? '')) || 0,
      });
  }
  if (!isJsonObject(selector)) return () => selector;
  const template = compileTemplate(selector);
  return (index, value) =>
    evaluateTemplate(template, {
      input: request.input,
      random,
      context: () => withItem(index, value),
      variable: (name) => variables[name],
    });
}
