/**
 * Fail: fails its thread with an error and a cause, given or read from the input (ErrorPath,
 * CausePath, which may also be intrinsic functions). Retry and Catch do not apply to it; the
 * failure goes to the enclosing Parallel or Map state, or fails the execution. A Fail state with
 * no Error (or no Cause) fails with none: Step Functions records an ExecutionFailed event with
 * empty details and a description with no error and no cause (LocalStack's AWS-recorded
 * snapshot tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json, test_state_fail_empty).
 */
import type { CompiledState } from '../compile.js';
import type { FailState } from '../definition.js';
import { StatesRuntimeError } from '../errors.js';
import { errorDetails, type Thread } from '../execution.js';
import { evaluateIntrinsic, isIntrinsicCall, parseIntrinsic } from '../intrinsics.js';
import { compilePath, readPath, truncate } from '../json-path.js';
import { intrinsicEnvironment } from '../payload-template.js';
import { jsonataScope, jsonataString, pathContext, templateScope } from './data-flow.js';
import type { Decider } from './decider.js';
import type { Outcome } from './outcome.js';

/** Runs a Fail state. */
export function executeFail(d: Decider, thread: Thread, state: CompiledState, def: FailState): Outcome {
  const fields = state.jsonata;
  if (fields) {
    const scope = jsonataScope(d, thread, thread.active.input, {});
    const error = fields.error ? jsonataString(fields.error, scope, 'Error') : undefined;
    const cause = fields.cause ? jsonataString(fields.cause, scope, 'Cause') : undefined;
    return { type: 'failed', ...errorDetails(error, cause) };
  }
  const error = def.ErrorPath !== undefined ? failField(d, thread, def.ErrorPath, 'ErrorPath') : def.Error;
  const cause = def.CausePath !== undefined ? failField(d, thread, def.CausePath, 'CausePath') : def.Cause;
  return { type: 'failed', ...errorDetails(error, cause) };
}

function failField(d: Decider, thread: Thread, source: string, field: string): string {
  const scope = templateScope(d, thread, thread.active.input);
  const value = isIntrinsicCall(source)
    ? evaluateIntrinsic(parseIntrinsic(source), intrinsicEnvironment(scope))
    : (() => {
        const path = compilePath(source);
        const result = readPath(path, scope.input, pathContext(source, scope));
        if (!result.found) {
          throw new StatesRuntimeError(
            `The ${field} '${source}' could not be found in the input ${truncate(JSON.stringify(scope.input))}`,
          );
        }
        return result.value;
      })();
  if (typeof value !== 'string') {
    throw new StatesRuntimeError(
      `The ${field} '${source}' must select a string, got ${truncate(JSON.stringify(value))}`,
    );
  }
  return value;
}
