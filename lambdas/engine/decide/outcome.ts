/**
 * How one step of a thread ends, as the state modules report it to the thread driver.
 */
import type { Waiting } from '../execution.js';
import type { Json } from '../json.js';

/** How a step of a thread ended. */
export type Outcome =
  | { readonly type: 'next'; readonly next: string; readonly output: Json }
  | { readonly type: 'end'; readonly output: Json }
  | {
      readonly type: 'failed';
      /** Absent when a Fail state names no Error: Step Functions then records no error name. */
      readonly error?: string;
      /** Absent when a Fail state gives no Cause. */
      readonly cause?: string;
      readonly location?: undefined;
    }
  | {
      readonly type: 'failed';
      readonly error: string;
      readonly cause: string;
      /** A JSONata expression failed: its field, for the EvaluationFailed event. */
      readonly location: string;
    }
  /** The thread waits for an event, or has ended and handed over to its parent. */
  | { readonly type: 'suspended' };

/** The one `suspended` outcome: it carries nothing, so it is shared rather than allocated. */
export const SUSPENDED: Outcome = { type: 'suspended' };

/** A state running synchronously inside one decision waits for nothing. */
export const NOT_WAITING: Waiting = { type: 'None' };

/** The thread id of the state machine itself. */
export const ROOT_THREAD = 'root';

/** A writable view of a persisted (readonly) shape, for the decision's working copy. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
