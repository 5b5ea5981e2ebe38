import { describe, expect, it } from 'vitest';
import type { Json } from '../../../../lambdas/engine/json.js';
import {
  LocalEventBus,
  type LocalEventBusOptions,
  type PutEventsEntry,
  type RuleTarget,
} from '../../../../local/emulators/eventbridge/bus.js';
import {
  EventBridgeValidationError,
  InvalidEventPatternError,
} from '../../../../local/emulators/eventbridge/errors.js';
import type { TargetInput } from '../../../../local/emulators/eventbridge/target-input.js';
import { VirtualClock } from '../../../../local/emulators/sqs/clock.js';

const START = Date.parse('2015-11-11T21:29:54.250Z');

function setup(options: LocalEventBusOptions = {}) {
  const clock = new VirtualClock(START);
  let next = 0;
  const bus = new LocalEventBus({ clock, scheduler: clock, ids: () => `event-${++next}`, ...options });
  return { clock, bus };
}

/** A target that records what it receives. */
function recorder(id = 'recorder', extra: Partial<RuleTarget> = {}) {
  const received: { input: TargetInput; attempt: number; at: number }[] = [];
  const target = (clock: VirtualClock): RuleTarget => ({
    id,
    deliver: (input, context) => {
      received.push({ input, attempt: context.attempt, at: clock.now() });
    },
    ...extra,
  });
  return { received, target };
}

const ORDER_PLACED: PutEventsEntry = {
  source: 'com.example.orders',
  detailType: 'Order Placed',
  detail: JSON.stringify({ orderId: 'o-1', total: 42 }),
  resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/orders'],
};

function valueOf(input: TargetInput | undefined): Json | undefined {
  if (input?.type !== 'json') throw new Error(`expected JSON input, got ${JSON.stringify(input)}`);
  return input.value;
}

describe('LocalEventBus.putEvents', () => {
  it('builds the EventBridge envelope for each accepted entry', async () => {
    const { bus } = setup({ region: 'eu-west-1', account: '123456789012' });
    const result = await bus.putEvents([ORDER_PLACED]);

    expect(result).toEqual({ failedEntryCount: 0, entries: [{ type: 'accepted', eventId: 'event-1' }] });
    expect(bus.archive[0]?.event).toEqual({
      version: '0',
      id: 'event-1',
      'detail-type': 'Order Placed',
      source: 'com.example.orders',
      account: '123456789012',
      time: '2015-11-11T21:29:54Z',
      region: 'eu-west-1',
      resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/orders'],
      detail: { orderId: 'o-1', total: 42 },
    });
    expect(Object.keys(bus.archive[0]?.event ?? {})).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
  });

  it('uses the entry time when given, and an empty resource list when not', async () => {
    const { bus } = setup();
    await bus.putEvents([
      { source: 'a', detailType: 'b', detail: '{}', time: new Date('2017-12-22T18:43:48.999Z') },
    ]);

    expect(bus.archive[0]?.event).toMatchObject({ time: '2017-12-22T18:43:48Z', resources: [] });
  });

  it('fails bad entries one by one, in order, and accepts the rest', async () => {
    const { bus } = setup();
    const result = await bus.putEvents([
      ORDER_PLACED,
      { source: 'a', detailType: 'b' },
      { source: 'a', detailType: 'b', detail: '{not json' },
      { source: 'a', detailType: 'b', detail: '[1, 2]' },
      { source: 'aws.ec2', detailType: 'b', detail: '{}' },
      { source: 'a', detailType: 'x'.repeat(129), detail: '{}' },
    ]);

    expect(result.failedEntryCount).toBe(5);
    expect(result.entries.map((entry) => (entry.type === 'failed' ? entry.errorCode : entry.type))).toEqual([
      'accepted',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'NotAuthorizedForSourceException',
      'InvalidArgument',
    ]);
    expect(result.entries[1]).toMatchObject({
      errorMessage: expect.stringContaining('Detail is a required argument'),
    });
    expect(bus.archive).toHaveLength(1);
  });

  it.each<[string, PutEventsEntry[]]>([
    ['no entries', []],
    ['11 entries', Array.from({ length: 11 }, () => ORDER_PLACED)],
    ['no entry with Source, DetailType and Detail', [{ source: 'a' }, { detailType: 'b', detail: '{}' }]],
    [
      'more than 1 MB of entries',
      [{ ...ORDER_PLACED, detail: JSON.stringify({ blob: 'x'.repeat(1_048_576) }) }],
    ],
  ])('refuses a request with %s as a whole', async (_, entries) => {
    const { bus } = setup();
    await expect(bus.putEvents(entries)).rejects.toBeInstanceOf(EventBridgeValidationError);
    expect(bus.archive).toHaveLength(0);
  });
});

describe('LocalEventBus rules', () => {
  it('delivers matching events to every target of every matching rule, after putEvents returns', async () => {
    const { clock, bus } = setup();
    const first = recorder('first');
    const second = recorder('second');
    const other = recorder('other');
    bus.putRule({
      name: 'orders',
      eventPattern: { source: ['com.example.orders'] },
      targets: [first.target(clock), second.target(clock)],
    });
    bus.putRule({
      name: 'placed',
      eventPattern: { 'detail-type': ['Order Placed'] },
      targets: [other.target(clock)],
    });
    bus.putRule({
      name: 'payments',
      eventPattern: { source: ['com.example.payments'] },
      targets: [recorder('never').target(clock)],
    });

    const pending = bus.putEvents([ORDER_PLACED]);
    expect(first.received).toHaveLength(0);
    await pending;
    await bus.idle();

    expect(valueOf(first.received[0]?.input)).toMatchObject({ id: 'event-1', detail: { orderId: 'o-1' } });
    expect(second.received).toHaveLength(1);
    expect(other.received).toHaveLength(1);
    expect(bus.archive[0]?.matchedRules).toEqual(['orders', 'placed']);
  });

  it('skips disabled rules and removed rules', async () => {
    const { clock, bus } = setup();
    const disabled = recorder('disabled');
    const removed = recorder('removed');
    bus.putRule({
      name: 'disabled',
      eventPattern: { source: ['com.example.orders'] },
      state: 'DISABLED',
      targets: [disabled.target(clock)],
    });
    bus.putRule({
      name: 'removed',
      eventPattern: { source: ['com.example.orders'] },
      targets: [removed.target(clock)],
    });
    expect(bus.removeRule('removed')).toBe(true);
    expect(bus.removeRule('removed')).toBe(false);

    await bus.putEvents([ORDER_PLACED]);
    await bus.idle();

    expect(disabled.received).toHaveLength(0);
    expect(removed.received).toHaveLength(0);
  });

  it('replaces a rule put again under the same name', async () => {
    const { clock, bus } = setup();
    const target = recorder();
    bus.putRule({
      name: 'rule',
      eventPattern: { source: ['com.example.orders'] },
      targets: [target.target(clock)],
    });
    bus.putRule({
      name: 'rule',
      eventPattern: { source: ['com.example.payments'] },
      targets: [target.target(clock)],
    });

    await bus.putEvents([ORDER_PLACED]);
    await bus.idle();

    expect(target.received).toHaveLength(0);
    expect(bus.ruleNames).toEqual(['rule']);
  });

  it('names rules of a custom bus by bus and rule', () => {
    const { bus } = setup({ name: 'baton', region: 'us-east-2', account: '123456789012' });
    expect(bus.putRule({ name: 'example', eventPattern: { source: ['x'] } })).toBe(
      'arn:aws:events:us-east-2:123456789012:rule/baton/example',
    );
  });

  it.each<[string, () => unknown, new (...args: never[]) => Error]>([
    ['an invalid pattern', () => ({ name: 'r', eventPattern: { source: 'x' } }), InvalidEventPatternError],
    [
      'a rule name with a space',
      () => ({ name: 'my rule', eventPattern: { source: ['x'] } }),
      EventBridgeValidationError,
    ],
    [
      'six targets',
      () => ({
        name: 'r',
        eventPattern: { source: ['x'] },
        targets: Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, deliver: () => undefined })),
      }),
      EventBridgeValidationError,
    ],
    [
      'two targets with one id',
      () => ({
        name: 'r',
        eventPattern: { source: ['x'] },
        targets: [
          { id: 't', deliver: () => undefined },
          { id: 't', deliver: () => undefined },
        ],
      }),
      EventBridgeValidationError,
    ],
    [
      'both Input and InputPath',
      () => ({
        name: 'r',
        eventPattern: { source: ['x'] },
        targets: [{ id: 't', deliver: () => undefined, input: '{}', inputPath: '$.detail' }],
      }),
      EventBridgeValidationError,
    ],
    [
      'an Input that is not JSON',
      () => ({
        name: 'r',
        eventPattern: { source: ['x'] },
        targets: [{ id: 't', deliver: () => undefined, input: '{nope' }],
      }),
      EventBridgeValidationError,
    ],
    [
      'an InputPath that is not JSONPath',
      () => ({
        name: 'r',
        eventPattern: { source: ['x'] },
        targets: [{ id: 't', deliver: () => undefined, inputPath: 'detail' }],
      }),
      EventBridgeValidationError,
    ],
    [
      '186 retries',
      () => ({
        name: 'r',
        eventPattern: { source: ['x'] },
        targets: [{ id: 't', deliver: () => undefined, retryPolicy: { maximumRetryAttempts: 186 } }],
      }),
      EventBridgeValidationError,
    ],
    [
      'a variable named like a predefined one',
      () => ({
        name: 'r',
        eventPattern: { source: ['x'] },
        targets: [
          {
            id: 't',
            deliver: () => undefined,
            inputTransformer: { inputPathsMap: { 'aws.events.rule-name': '$.id' }, inputTemplate: '"x"' },
          },
        ],
      }),
      EventBridgeValidationError,
    ],
    [
      '101 variables',
      () => ({
        name: 'r',
        eventPattern: { source: ['x'] },
        targets: [
          {
            id: 't',
            deliver: () => undefined,
            inputTransformer: {
              inputPathsMap: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, '$.id'])),
              inputTemplate: '"x"',
            },
          },
        ],
      }),
      EventBridgeValidationError,
    ],
  ])('refuses a rule with %s', (_, input, type) => {
    const { bus } = setup();
    expect(() => bus.putRule(input() as Parameters<LocalEventBus['putRule']>[0])).toThrow(type);
  });
});

describe('LocalEventBus target input', () => {
  /** The EC2 event of "Transforming target input", put through the bus. */
  async function transform(
    inputTransformer: RuleTarget['inputTransformer'],
    options: Partial<RuleTarget> = {},
  ) {
    const { clock, bus } = setup({ region: 'us-east-2', account: '123456789012' });
    const target = recorder('t', { inputTransformer, ...options });
    bus.putRule({
      name: 'example',
      eventPattern: { source: ['com.example.ec2'] },
      targets: [target.target(clock)],
    });
    await bus.putEvents([
      {
        source: 'com.example.ec2',
        detailType: 'EC2 Instance State-change Notification',
        resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
        detail: JSON.stringify({ 'instance-id': 'i-0123456789', state: 'RUNNING' }),
      },
    ]);
    await bus.idle();
    const [delivery] = target.received;
    if (delivery === undefined) throw new Error('nothing delivered');
    return delivery.input;
  }

  const inputPathsMap = { timestamp: '$.time', instance: '$.detail.instance-id', state: '$.detail.state' };

  it('sends the whole event without input options', async () => {
    const input = await transform(undefined);
    expect(valueOf(input)).toMatchObject({ source: 'com.example.ec2', detail: { state: 'RUNNING' } });
  });

  it('sends a constant Input instead of the event', async () => {
    expect(valueOf(await transform(undefined, { input: '{"fixed": true}' }))).toEqual({ fixed: true });
  });

  it('sends the part of the event an InputPath selects, and null when it selects nothing', async () => {
    expect(valueOf(await transform(undefined, { inputPath: '$.detail' }))).toEqual({
      'instance-id': 'i-0123456789',
      state: 'RUNNING',
    });
    expect(valueOf(await transform(undefined, { inputPath: '$.detail.missing' }))).toBeNull();
  });

  it('renders a simple string', async () => {
    const input = await transform({ inputPathsMap, inputTemplate: '"instance <instance> is in <state>"' });
    expect(input).toEqual({
      type: 'json',
      value: 'instance i-0123456789 is in RUNNING',
      text: '"instance i-0123456789 is in RUNNING"',
    });
  });

  it('renders a string with escaped quotes', async () => {
    const input = await transform({
      inputPathsMap,
      inputTemplate: '"instance \\"<instance>\\" is in <state>"',
    });
    expect(valueOf(input)).toBe('instance "i-0123456789" is in RUNNING');
  });

  it('renders simple JSON, quoting string values', async () => {
    const input = await transform({
      inputPathsMap,
      inputTemplate: '{\n  "instance" : <instance>,\n  "state": <state>\n}',
    });
    expect(input).toEqual({
      type: 'json',
      value: { instance: 'i-0123456789', state: 'RUNNING' },
      text: '{"instance":"i-0123456789","state":"RUNNING"}',
    });
  });

  it('renders JSON with strings and variables', async () => {
    const input = await transform({
      inputPathsMap,
      inputTemplate:
        '{\n "instance" : <instance>,\n "state": "<state>",\n "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}',
    });
    expect(valueOf(input)).toEqual({
      instance: 'i-0123456789',
      state: 'RUNNING',
      instanceStatus: 'instance "i-0123456789" is in RUNNING',
    });
  });

  it('renders JSON with a mix of variables and static information', async () => {
    const input = await transform({
      inputPathsMap,
      inputTemplate:
        '{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}',
    });
    expect(valueOf(input)).toEqual({
      instance: 'i-0123456789',
      state: [9, 'RUNNING', true],
      Transformed: 'Yes',
    });
  });

  it('renders the predefined variables in JSON', async () => {
    const input = await transform({
      inputPathsMap,
      inputTemplate:
        '{"instance": <instance>, "ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "originalEvent": <aws.events.event>, "full": <aws.events.event.json>, "at": <aws.events.event.ingestion-time>}',
    });
    const value = valueOf(input) as Record<string, Json>;
    expect(value['ruleArn']).toBe('arn:aws:events:us-east-2:123456789012:rule/example');
    expect(value['ruleName']).toBe('example');
    expect(value['originalEvent']).toMatchObject({ id: 'event-1', source: 'com.example.ec2' });
    expect(value['originalEvent']).not.toHaveProperty('detail');
    expect(value['full']).toMatchObject({ id: 'event-1', detail: { state: 'RUNNING' } });
    expect(value['at']).toBe('2015-11-11T21:29:54Z');
  });

  it('renders a predefined variable in a string', async () => {
    expect(valueOf(await transform({ inputTemplate: '"<aws.events.rule-name> triggered"' }))).toBe(
      'example triggered',
    );
  });

  it('inserts an object referenced inside a string without its quotes', async () => {
    const input = await transform({
      inputPathsMap: { detail: '$.detail' },
      inputTemplate: '"Detail is <detail>"',
    });
    expect(valueOf(input)).toBe('Detail is {instance-id:i-0123456789,state:RUNNING}');
  });

  it('leaves out variables whose path matches nothing', async () => {
    const input = await transform({
      inputPathsMap: { gone: '$.detail.missing' },
      inputTemplate: '{"a": <gone>, "b": "x<gone>y"}',
    });
    expect(valueOf(input)).toEqual({ a: null, b: 'xy' });
  });

  it('passes on text that is not JSON as text', async () => {
    const input = await transform({ inputPathsMap, inputTemplate: '<instance> is in state <state>' });
    expect(input).toEqual({ type: 'text', text: '"i-0123456789" is in state "RUNNING"' });
  });

  it('does not escape extracted values, as EventBridge does not', async () => {
    const { clock, bus } = setup();
    const target = recorder('t', {
      inputTransformer: { inputPathsMap: { name: '$.detail.name' }, inputTemplate: '{"name": "<name>"}' },
    });
    bus.putRule({ name: 'r', eventPattern: { source: ['s'] }, targets: [target.target(clock)] });
    await bus.putEvents([{ source: 's', detailType: 't', detail: JSON.stringify({ name: 'say "hi"' }) }]);
    await bus.idle();

    expect(target.received[0]?.input).toEqual({ type: 'text', text: '{"name": "say "hi""}' });
  });
});

describe('LocalEventBus delivery retries', () => {
  function flaky(failures: number) {
    const attempts: { attempt: number; at: number; text: string }[] = [];
    const target = (clock: VirtualClock, extra: Partial<RuleTarget> = {}): RuleTarget => ({
      id: 'flaky',
      deliver: (input, context) => {
        attempts.push({ attempt: context.attempt, at: clock.now() - START, text: input.text });
        if (attempts.length <= failures) throw new Error(`failure ${attempts.length}`);
      },
      ...extra,
    });
    return { attempts, target };
  }

  it('retries a failing target with growing delays until it succeeds, sending the same input', async () => {
    const { clock, bus } = setup();
    const target = flaky(2);
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['com.example.orders'] },
      targets: [target.target(clock)],
    });
    await bus.putEvents([ORDER_PLACED]);
    await bus.idle();
    expect(bus.pendingRetries).toBe(1);

    await clock.advance(10_000);

    expect(target.attempts.map(({ attempt, at }) => [attempt, at])).toEqual([
      [1, 0],
      [2, 1_000],
      [3, 3_000],
    ]);
    expect(new Set(target.attempts.map((attempt) => attempt.text)).size).toBe(1);
    expect(bus.failedDeliveries).toEqual([]);
  });

  it('gives up after the maximum retry attempts and records the failure', async () => {
    const failures: unknown[] = [];
    const { clock, bus } = setup({ onDeliveryFailed: (failure) => failures.push(failure) });
    const target = flaky(100);
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['com.example.orders'] },
      targets: [target.target(clock, { retryPolicy: { maximumRetryAttempts: 2 } })],
    });
    await bus.putEvents([ORDER_PLACED]);
    await clock.advance(60_000);

    expect(target.attempts).toHaveLength(3);
    expect(bus.failedDeliveries).toEqual([
      expect.objectContaining({
        ruleName: 'r',
        targetId: 'flaky',
        attempts: 3,
        reason: 'retries-exhausted',
        error: new Error('failure 3'),
      }),
    ]);
    expect(failures).toHaveLength(1);
    expect(bus.pendingRetries).toBe(0);
  });

  it('gives up once a retry would come after the maximum event age', async () => {
    const { clock, bus } = setup();
    const target = flaky(100);
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['com.example.orders'] },
      targets: [target.target(clock, { retryPolicy: { maximumEventAgeSeconds: 60 } })],
    });
    await bus.putEvents([ORDER_PLACED]);
    await clock.advance(600_000);

    expect(target.attempts.map((attempt) => attempt.at)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000]);
    expect(bus.failedDeliveries[0]?.reason).toBe('event-too-old');
  });

  it('keeps delivering to the other targets when one fails', async () => {
    const { clock, bus } = setup();
    const healthy = recorder('healthy');
    bus.putRule({
      name: 'r',
      eventPattern: { source: ['com.example.orders'] },
      targets: [
        flaky(100).target(clock, { retryPolicy: { maximumRetryAttempts: 0 } }),
        healthy.target(clock),
      ],
    });
    await bus.putEvents([ORDER_PLACED]);
    await bus.idle();

    expect(healthy.received).toHaveLength(1);
    expect(bus.failedDeliveries).toHaveLength(1);
  });
});

describe('LocalEventBus archive', () => {
  it('keeps the most recent events up to its limit', async () => {
    const { bus } = setup({ archiveLimit: 2 });
    for (let i = 0; i < 3; i += 1) await bus.putEvents([ORDER_PLACED]);

    expect(bus.archive.map((archived) => archived.event.id)).toEqual(['event-2', 'event-3']);
  });
});
