/**
 * Typed timer ids and engine task tokens, and the one place that knows their text form.
 *
 * The text form is persisted (in `Waiting`, the saga's active compensation, the outbox's
 * `ScheduleTimer`/`CancelTimer` commands) and travels in `TimerFired` messages and inside signed
 * task tokens, so it must never change: executions stored and messages in flight are read back
 * with `decodeTimerId` / `decodeTaskToken`. Every other module builds and reads ids only as the
 * values below.
 *
 * Text forms (thread and entry ids are decimal counters, or `root`; never `c` nor `exec`):
 *
 * | value                                   | text                                   |
 * | --------------------------------------- | -------------------------------------- |
 * | task token of a state                   | `<thread>:<entry>:<attempt>`           |
 * | task token of a compensation            | `c:<entry>:<attempt>`                  |
 * | `executionTimeout` of the first run       | `exec:timeout`                         |
 * | `executionTimeout` of redriven run `<n>`  | `exec:timeout:<n>`                     |
 * | `taskTimeout`                           | `<token>:timeout`                      |
 * | `heartbeat`                             | `<token>:heartbeat:<dueAt>`            |
 * | `retry` of a state                      | `<thread>:<entry>:retry:<attempt>`     |
 * | `retry` of a compensation               | `c:<entry>:retry:<attempt>`            |
 * | `wait`                                  | `<thread>:<entry>:wait`                |
 * | `yield`                                 | `<thread>:<sequence>:yield`            |
 */

/** Whose attempt a task token or a retry timer belongs to: a thread's state, or a compensation. */
export type AttemptOwner =
  | {
      readonly type: 'state';
      readonly threadId: string;
      /** The entry into the state (unique within the execution). */
      readonly entryId: string;
    }
  | {
      readonly type: 'compensation';
      /** The entry id of the Task state whose compensation this is. */
      readonly entryId: string;
    };

/** The engine's token of one task attempt: what a result or heartbeat must come back with. */
export interface TaskToken {
  readonly owner: AttemptOwner;
  /** 1-based. */
  readonly attempt: number;
}

/** What a timer is for. */
export type TimerId =
  /** The execution's TimeoutSeconds, for the run it was set in (0, then each redrive's count). */
  | { readonly type: 'executionTimeout'; readonly run: number }
  /** A task attempt's TimeoutSeconds (a state's task or a compensation). */
  | { readonly type: 'taskTimeout'; readonly token: TaskToken }
  /** A task attempt's heartbeat deadline; `dueAt` tells the one scheduled last from older ones. */
  | { readonly type: 'heartbeat'; readonly token: TaskToken; readonly dueAt: number }
  /** The interval before `attempt` (the attempt it starts) of a state or a compensation. */
  | { readonly type: 'retry'; readonly owner: AttemptOwner; readonly attempt: number }
  /** A Wait state's end. */
  | { readonly type: 'wait'; readonly threadId: string; readonly entryId: string }
  /** A thread that yielded after many synchronous transitions resumes. */
  | { readonly type: 'yield'; readonly threadId: string; readonly sequence: string };

const SEPARATOR = ':';
const COMPENSATION = 'c';
const EXECUTION_TIMEOUT = 'exec:timeout';

/** What a timer is for, as the engine routes it: the execution, the saga's compensation, or a thread. */
export type TimerTarget =
  | { readonly type: 'execution' }
  | { readonly type: 'compensation' }
  | { readonly type: 'thread'; readonly threadId: string };

/** Where a fired timer goes. */
export function timerTarget(timer: TimerId): TimerTarget {
  switch (timer.type) {
    case 'executionTimeout':
      return { type: 'execution' };
    case 'taskTimeout':
    case 'heartbeat':
      return ownerTarget(timer.token.owner);
    case 'retry':
      return ownerTarget(timer.owner);
    case 'wait':
    case 'yield':
      return { type: 'thread', threadId: timer.threadId };
  }
  return unreachable(timer);
}

/** The text form of a task token (see the module comment). */
export function encodeTaskToken(token: TaskToken): string {
  return `${encodeOwner(token.owner)}${SEPARATOR}${token.attempt}`;
}

/** Reads a task token; undefined when `text` is not one. */
export function decodeTaskToken(text: string): TaskToken | undefined {
  // Read for every task result and heartbeat: found by index rather than split into an array.
  const first = text.indexOf(SEPARATOR);
  const second = first < 0 ? -1 : text.indexOf(SEPARATOR, first + 1);
  if (second < 0 || text.indexOf(SEPARATOR, second + 1) >= 0) return undefined;
  return tokenOf(text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1));
}

/** The text form of a timer id (see the module comment): what is persisted and sent in `TimerFired`. */
export function encodeTimerId(timer: TimerId): string {
  switch (timer.type) {
    case 'executionTimeout':
      return timer.run === 0 ? EXECUTION_TIMEOUT : `${EXECUTION_TIMEOUT}${SEPARATOR}${timer.run}`;
    case 'taskTimeout':
      return `${encodeTaskToken(timer.token)}${SEPARATOR}timeout`;
    case 'heartbeat':
      return `${encodeTaskToken(timer.token)}${SEPARATOR}heartbeat${SEPARATOR}${timer.dueAt}`;
    case 'retry':
      return `${encodeOwner(timer.owner)}${SEPARATOR}retry${SEPARATOR}${timer.attempt}`;
    case 'wait':
      return `${timer.threadId}${SEPARATOR}${timer.entryId}${SEPARATOR}wait`;
    case 'yield':
      return `${timer.threadId}${SEPARATOR}${timer.sequence}${SEPARATOR}yield`;
  }
  return unreachable(timer);
}

/**
 * Reads a timer id; undefined when `text` is not one (a foreign or corrupted message, which the
 * engine ignores like any stale timer).
 */
export function decodeTimerId(text: string): TimerId | undefined {
  if (text === EXECUTION_TIMEOUT) return { type: 'executionTimeout', run: 0 };
  if (text.startsWith(`${EXECUTION_TIMEOUT}${SEPARATOR}`)) {
    const run = attemptOf(text.slice(EXECUTION_TIMEOUT.length + 1));
    return run === undefined ? undefined : { type: 'executionTimeout', run };
  }
  const parts = text.split(SEPARATOR);
  const [first, second, third, fourth, fifth] = parts as [string, string?, string?, string?, string?];
  if (second === undefined || third === undefined) return undefined;
  if (parts.length === 3) {
    if (first === COMPENSATION) return undefined;
    if (third === 'wait') return { type: 'wait', threadId: first, entryId: second };
    if (third === 'yield') return { type: 'yield', threadId: first, sequence: second };
    return undefined;
  }
  if (parts.length === 4 && third === 'retry') {
    const attempt = attemptOf(fourth as string);
    return attempt === undefined ? undefined : { type: 'retry', owner: ownerOf(first, second), attempt };
  }
  const token = tokenOf(first, second, third);
  if (!token) return undefined;
  if (parts.length === 4 && fourth === 'timeout') return { type: 'taskTimeout', token };
  if (parts.length === 5 && fourth === 'heartbeat' && fifth !== undefined) {
    const dueAt = Number(fifth);
    // Only the canonical text of a number: decoding then encoding gives back the same id.
    if (fifth !== '' && Number.isFinite(dueAt) && String(dueAt) === fifth) {
      return { type: 'heartbeat', token, dueAt };
    }
  }
  return undefined;
}

function encodeOwner(owner: AttemptOwner): string {
  switch (owner.type) {
    case 'state':
      return `${owner.threadId}${SEPARATOR}${owner.entryId}`;
    case 'compensation':
      return `${COMPENSATION}${SEPARATOR}${owner.entryId}`;
  }
  return unreachable(owner);
}

function ownerTarget(owner: AttemptOwner): TimerTarget {
  switch (owner.type) {
    case 'state':
      return { type: 'thread', threadId: owner.threadId };
    case 'compensation':
      return { type: 'compensation' };
  }
  return unreachable(owner);
}

function ownerOf(first: string, entryId: string): AttemptOwner {
  return first === COMPENSATION
    ? { type: 'compensation', entryId }
    : { type: 'state', threadId: first, entryId };
}

function tokenOf(first: string, entryId: string, attemptText: string): TaskToken | undefined {
  const attempt = attemptOf(attemptText);
  return attempt === undefined ? undefined : { owner: ownerOf(first, entryId), attempt };
}

/** A positive integer in canonical decimal text, so that decoding then encoding gives back the same id. */
function attemptOf(text: string): number | undefined {
  const attempt = Number(text);
  return Number.isInteger(attempt) && attempt >= 1 && String(attempt) === text ? attempt : undefined;
}

function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

/** True when two task tokens name the same attempt (equal values have equal text forms). */
export function sameTaskToken(a: TaskToken, b: TaskToken): boolean {
  if (a.attempt !== b.attempt || a.owner.entryId !== b.owner.entryId) return false;
  switch (a.owner.type) {
    case 'state':
      return b.owner.type === 'state' && a.owner.threadId === b.owner.threadId;
    case 'compensation':
      return b.owner.type === 'compensation';
  }
  return unreachable(a.owner);
}
