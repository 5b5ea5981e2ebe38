import { describe, expect, it } from 'vitest';
import {
  decodeTaskToken,
  decodeTimerId,
  encodeTaskToken,
  encodeTimerId,
  type TaskToken,
  type TimerId,
} from '../../../lambdas/engine/decide/timer-id.js';

const stateToken: TaskToken = { owner: { type: 'state', threadId: 'root', entryId: '7' }, attempt: 2 };
const compensationToken: TaskToken = { owner: { type: 'compensation', entryId: '4' }, attempt: 1 };

/** The text forms stored executions and messages in flight carry: they must never change. */
const persisted: readonly [string, TimerId][] = [
  ['exec:timeout', { type: 'executionTimeout', run: 0 }],
  // A redriven run's own timeout (new in the redrive fix: the first run's form is unchanged).
  ['exec:timeout:2', { type: 'executionTimeout', run: 2 }],
  ['root:7:2:timeout', { type: 'taskTimeout', token: stateToken }],
  ['c:4:1:timeout', { type: 'taskTimeout', token: compensationToken }],
  ['root:7:2:heartbeat:1700000030000', { type: 'heartbeat', token: stateToken, dueAt: 1_700_000_030_000 }],
  [
    'c:4:1:heartbeat:1700000030000',
    { type: 'heartbeat', token: compensationToken, dueAt: 1_700_000_030_000 },
  ],
  ['root:7:retry:2', { type: 'retry', owner: { type: 'state', threadId: 'root', entryId: '7' }, attempt: 2 }],
  ['12:30:retry:3', { type: 'retry', owner: { type: 'state', threadId: '12', entryId: '30' }, attempt: 3 }],
  ['c:4:retry:2', { type: 'retry', owner: { type: 'compensation', entryId: '4' }, attempt: 2 }],
  ['root:1:wait', { type: 'wait', threadId: 'root', entryId: '1' }],
  ['root:1:yield', { type: 'yield', threadId: 'root', sequence: '1' }],
];

describe('timer ids', () => {
  it.each(persisted)('encodes %s exactly as executions already stored it', (text, timer) => {
    expect(encodeTimerId(timer)).toBe(text);
  });

  it.each(persisted)('decodes %s back to the value it was made from', (text, timer) => {
    expect(decodeTimerId(text)).toEqual(timer);
  });

  it.each([
    '',
    'exec',
    'root:1',
    'root:1:sleep',
    'c:1:wait',
    'root:1:retry:0',
    'root:1:retry:02',
    'root:1:x:timeout',
    'root:1:2:heartbeat:',
    'root:1:2:heartbeat:1e3',
    'root:1:2:timeout:extra',
  ])('reads %j as no timer at all', (text) => {
    expect(decodeTimerId(text)).toBeUndefined();
  });
});

describe('task tokens', () => {
  it('encodes a state attempt as <thread>:<entry>:<attempt> and a compensation as c:<entry>:<attempt>', () => {
    expect(encodeTaskToken(stateToken)).toBe('root:7:2');
    expect(encodeTaskToken(compensationToken)).toBe('c:4:1');
  });

  it('decodes what it encodes and nothing else', () => {
    expect(decodeTaskToken('root:7:2')).toEqual(stateToken);
    expect(decodeTaskToken('c:4:1')).toEqual(compensationToken);
    expect(decodeTaskToken('root:7')).toBeUndefined();
    expect(decodeTaskToken('root:7:0')).toBeUndefined();
    expect(decodeTaskToken('root:7:2:timeout')).toBeUndefined();
  });
});
