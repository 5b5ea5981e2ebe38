/**
 * EventBridge content filtering. Examples come from the EventBridge User Guide — "Creating event
 * patterns", "Matching null values and empty strings", "Arrays in event patterns", "Content
 * filtering in event patterns" and its successor "Comparison operators for use in event patterns"
 * (its summary table) — and from Event Ruler's README, the engine EventBridge runs. Each example
 * is checked against an event the guide says matches and one that must not.
 */
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../../../lambdas/engine/json.js';
import { InvalidEventPatternError } from '../../../../local/emulators/eventbridge/errors.js';
import {
  compilePattern,
  matchesPattern,
  toMicros,
  validatePattern,
} from '../../../../local/emulators/eventbridge/pattern.js';

/** The EC2 event of "Creating event patterns". */
const EC2_TERMINATED = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** The Auto Scaling event of "Matching null values and empty strings". */
const AUTOSCALING_LAUNCH = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

/** Event Ruler README's sample event. */
const RULER_EVENT = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

function withDetail(base: JsonObject, detail: JsonObject): JsonObject {
  return { ...base, detail: { ...(base['detail'] as JsonObject), ...detail } };
}

/** An example: a pattern, events it matches and events it does not. */
interface Example {
  readonly pattern: Json | string;
  readonly matches: readonly Json[];
  readonly rejects: readonly Json[];
}

function check(example: Example): void {
  for (const event of example.matches)
    expect(matchesPattern(example.pattern, event), JSON.stringify(event)).toBe(true);
  for (const event of example.rejects)
    expect(matchesPattern(example.pattern, event), JSON.stringify(event)).toBe(false);
}

describe('event patterns: user guide, "Creating event patterns"', () => {
  it('matches the EC2 termination event on source, detail-type and detail.state', () => {
    check({
      pattern: {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: ['terminated'] },
      },
      matches: [EC2_TERMINATED],
      rejects: [
        withDetail(EC2_TERMINATED, { state: 'running' }),
        { ...EC2_TERMINATED, source: 'aws.autoscaling' },
      ],
    });
  });

  it('matches any of the values in a field array (source is aws.ec2 or aws.fargate)', () => {
    check({
      pattern: { source: ['aws.ec2', 'aws.fargate'] },
      matches: [EC2_TERMINATED, { ...EC2_TERMINATED, source: 'aws.fargate' }],
      rejects: [{ ...EC2_TERMINATED, source: 'aws.s3' }],
    });
  });

  it('needs every field the pattern names, with the same nesting', () => {
    check({
      pattern: { detail: { state: ['terminated'], reason: ['user'] } },
      matches: [withDetail(EC2_TERMINATED, { reason: 'user' })],
      rejects: [EC2_TERMINATED, { ...EC2_TERMINATED, state: 'terminated', reason: 'user' }],
    });
  });

  it('matches strings character by character, without case folding', () => {
    check({
      pattern: { detail: { state: ['terminated'] } },
      matches: [EC2_TERMINATED],
      rejects: [
        withDetail(EC2_TERMINATED, { state: 'Terminated' }),
        withDetail(EC2_TERMINATED, { state: 'terminated ' }),
      ],
    });
  });

  it('matches a null field (field matching example on the Auto Scaling event)', () => {
    check({
      pattern: {
        source: ['aws.autoscaling'],
        'detail-type': ['EC2 Instance Launch Successful'],
        detail: { responseElements: [null] },
      },
      matches: [AUTOSCALING_LAUNCH],
      rejects: [
        withDetail(AUTOSCALING_LAUNCH, { responseElements: {} }),
        withDetail(AUTOSCALING_LAUNCH, { responseElements: 'null' }),
      ],
    });
  });

  it('matches numbers in nested objects (value matching example on the Macie alert)', () => {
    const alert = {
      version: '0',
      id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
      'detail-type': 'Macie Alert',
      source: 'aws.macie',
      account: '123456789012',
      time: '2017-04-24T22:28:49Z',
      region: 'us-east-1',
      resources: [
        'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
        'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
      ],
      detail: {
        'notification-type': 'ALERT_CREATED',
        name: 'Scanning bucket policies',
        tags: ['Custom_Alert', 'Insider'],
        'risk-score': 80,
        trigger: {
          'rule-arn': 'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
          'alert-type': 'basic',
          risk: 8,
        },
      },
    };
    check({
      pattern: {
        source: ['aws.macie'],
        'detail-type': ['Macie Alert'],
        detail: { 'risk-score': [80], trigger: { risk: [8] } },
      },
      matches: [alert],
      rejects: [
        withDetail(alert, { 'risk-score': 79 }),
        withDetail(alert, { trigger: { risk: 9 } }),
        withDetail(alert, { 'risk-score': '80' }),
      ],
    });
  });
});

describe('event patterns: user guide, "Matching null values and empty strings"', () => {
  it('matches an empty string with [""]', () => {
    check({
      pattern: { detail: { eventVersion: [''] } },
      matches: [AUTOSCALING_LAUNCH],
      rejects: [
        withDetail(AUTOSCALING_LAUNCH, { eventVersion: null }),
        withDetail(AUTOSCALING_LAUNCH, { eventVersion: '1' }),
      ],
    });
  });

  it('matches null with [null], and never an empty string', () => {
    check({
      pattern: { detail: { responseElements: [null] } },
      matches: [AUTOSCALING_LAUNCH],
      rejects: [withDetail(AUTOSCALING_LAUNCH, { responseElements: '' })],
    });
  });
});

describe('event patterns: user guide, "Arrays in event patterns"', () => {
  it('matches when the pattern array and the event array intersect', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    check({
      pattern,
      matches: [
        {
          resources: [
            'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
            'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          ],
        },
      ],
      rejects: [{ resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] }, { resources: [] }],
    });
  });

  it('matches objects inside arrays one element at a time (Event Ruler, "JSON Array Matching")', () => {
    const employees = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matchesPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(
      false,
    );
  });

  it('looks into nested arrays of objects too', () => {
    const nested = {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones' }],
      ],
    };
    expect(matchesPattern({ employees: { firstName: ['Peter'] } }, nested)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, nested)).toBe(false);
  });

  it('applies every operator to each element of an event array', () => {
    expect(matchesPattern({ tags: [{ prefix: 'env:' }] }, { tags: ['team:a', 'env:prod'] })).toBe(true);
    expect(matchesPattern({ counts: [{ numeric: ['>', 10] }] }, { counts: [1, 2, 30] })).toBe(true);
    expect(
      matchesPattern({ state: [{ 'anything-but': 'stopped' }] }, { state: ['stopped', 'running'] }),
    ).toBe(true);
    expect(matchesPattern({ state: [{ 'anything-but': 'stopped' }] }, { state: ['stopped'] })).toBe(false);
  });
});

describe('event patterns: content filtering examples', () => {
  it('prefix: time starts with 2017-10-02', () => {
    check({
      pattern: { time: [{ prefix: '2017-10-02' }] },
      matches: [{ time: '2017-10-02T18:43:48Z' }],
      rejects: [{ time: '2017-10-03T18:43:48Z' }, { time: 20171002 }],
    });
  });

  it('prefix ignoring case: service starts with EventB in any casing', () => {
    check({
      pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      matches: [
        { detail: { service: 'EventBridge' } },
        { detail: { service: 'EVENTBRIDGE' } },
        { detail: { service: 'eventbus' } },
      ],
      rejects: [{ detail: { service: 'Event Bus' } }, { detail: { service: 'SQS' } }],
    });
  });

  it('suffix: FileName ends with .png', () => {
    check({
      pattern: { FileName: [{ suffix: '.png' }] },
      matches: [{ FileName: 'image.png' }],
      rejects: [{ FileName: 'image.PNG' }, { FileName: 'image.png.zip' }],
    });
  });

  it('suffix ignoring case: FileName ends with .png in any casing', () => {
    check({
      pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      matches: [
        { detail: { FileName: 'image.png' } },
        { detail: { FileName: 'IMAGE.PNG' } },
        { detail: { FileName: 'a.Png' } },
      ],
      rejects: [{ detail: { FileName: 'image.jpg' } }],
    });
  });

  it('anything-but a string: state is not initializing', () => {
    check({
      pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
      matches: [RULER_EVENT],
      rejects: [withDetail(RULER_EVENT, { state: 'initializing' }), { detail: {} }],
    });
  });

  it('anything-but a number: x-limit is not 123', () => {
    check({
      pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
      matches: [RULER_EVENT, { detail: { 'x-limit': 123.5 } }],
      rejects: [{ detail: { 'x-limit': 123 } }, { detail: { 'x-limit': 123.0 } }],
    });
  });

  it('anything-but a list of strings: state is neither stopped nor overloaded', () => {
    check({
      pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      matches: [RULER_EVENT],
      rejects: [
        withDetail(RULER_EVENT, { state: 'stopped' }),
        withDetail(RULER_EVENT, { state: 'overloaded' }),
      ],
    });
  });

  it('anything-but a list of numbers: x-limit is none of 100, 200, 300', () => {
    check({
      pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      matches: [RULER_EVENT, { detail: { 'x-limit': 150 } }],
      rejects: [{ detail: { 'x-limit': 200 } }],
    });
  });

  it('anything-but a prefix: state does not start with init', () => {
    check({
      pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      matches: [RULER_EVENT],
      rejects: [withDetail(RULER_EVENT, { state: 'initializing' })],
    });
  });

  it('anything-but a suffix: FileName does not end with .txt', () => {
    check({
      pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
      matches: [{ detail: { FileName: 'notes.md' } }],
      rejects: [{ detail: { FileName: 'notes.txt' } }],
    });
  });

  it('anything-but ignoring case: state is no casing of initializing', () => {
    check({
      pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
      matches: [RULER_EVENT],
      rejects: [
        withDetail(RULER_EVENT, { state: 'INITIALIZING' }),
        withDetail(RULER_EVENT, { state: 'Initializing' }),
      ],
    });
  });

  it('anything-but ignoring case, with a list', () => {
    check({
      pattern: {
        detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
      },
      matches: [RULER_EVENT],
      rejects: [withDetail(RULER_EVENT, { state: 'Stopped' })],
    });
  });

  it('anything-but a wildcard: FilePath does not include /lib/', () => {
    check({
      pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
      matches: [{ detail: { FilePath: '/usr/bin/tool' } }],
      rejects: [{ detail: { FilePath: '/usr/lib/tool' } }],
    });
  });

  it('numeric: c-count in (0, 5], d-count below 10, x-limit equal to 3.018e2', () => {
    check({
      pattern: {
        detail: {
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ numeric: ['=', 3.018e2] }],
        },
      },
      matches: [RULER_EVENT],
      rejects: [
        withDetail(RULER_EVENT, { 'c-count': 0 }),
        withDetail(RULER_EVENT, { 'c-count': 6 }),
        withDetail(RULER_EVENT, { 'd-count': 10 }),
        withDetail(RULER_EVENT, { 'x-limit': 301.81 }),
        withDetail(RULER_EVENT, { 'c-count': '5' }),
      ],
    });
  });

  it('IP address: sourceIPAddress in 10.0.0.0/24', () => {
    check({
      pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
      matches: [{ detail: { sourceIPAddress: '10.0.0.0' } }, { detail: { sourceIPAddress: '10.0.0.255' } }],
      rejects: [{ detail: { sourceIPAddress: '10.0.1.0' } }, { detail: { sourceIPAddress: 'not an ip' } }],
    });
  });

  it('IP address: IPv6 blocks too', () => {
    check({
      pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
      matches: [
        { detail: { sourceIPAddress: '2001:db8::1' } },
        { detail: { sourceIPAddress: '2001:0db8:ffff::' } },
      ],
      rejects: [{ detail: { sourceIPAddress: '2001:db9::1' } }, { detail: { sourceIPAddress: '10.0.0.1' } }],
    });
  });

  it('exists true: the EC2 pending event has detail.state; the c-count event does not', () => {
    check({
      pattern: { detail: { state: [{ exists: true }] } },
      matches: [
        {
          version: '0',
          id: '7bf73129-1428-4cd3-a780-95db273d1602',
          'detail-type': 'EC2 Instance State-change Notification',
          source: 'aws.ec2',
          account: '123456789012',
          time: '2015-11-11T21:29:54Z',
          region: 'us-east-1',
          resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
          detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
        },
      ],
      rejects: [
        {
          'detail-type': ['EC2 Instance State-change Notification'],
          resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
          detail: { 'c-count': { c1: 100 } },
        },
      ],
    });
  });

  it('exists false: no detail.c-count, which also holds when c-count is not a leaf', () => {
    check({
      pattern: { detail: { 'c-count': [{ exists: false }] } },
      matches: [
        {
          'detail-type': ['EC2 Instance State-change Notification'],
          resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
          detail: { state: ['initializing', 'running'] },
        },
        {
          'detail-type': ['EC2 Instance State-change Notification'],
          resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
          detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
        },
      ],
      rejects: [RULER_EVENT, { detail: { 'c-count': null } }],
    });
  });

  it('combines operators (complex example with multiple matching)', () => {
    check({
      pattern: {
        time: [{ prefix: '2017-10-02' }],
        detail: {
          state: [{ 'anything-but': 'initializing' }],
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ 'anything-but': [100, 200, 300] }],
          'source-ip': [{ cidr: '10.0.0.0/8' }],
        },
      },
      matches: [RULER_EVENT],
      rejects: [
        withDetail(RULER_EVENT, { 'x-limit': 200 }),
        { ...RULER_EVENT, time: '2017-10-03T00:00:00Z' },
        withDetail(RULER_EVENT, { 'source-ip': '11.0.0.1' }),
      ],
    });
  });

  it('uses the last of a key given twice (note on repeated keys)', () => {
    const pattern = `{
      "detail": {
        "location": [ { "prefix": "us-" } ],
        "location": [ { "anything-but": "us-east" } ]
      }
    }`;
    check({
      pattern,
      matches: [{ detail: { location: 'eu-west' } }, { detail: { location: 'us-west' } }],
      rejects: [{ detail: { location: 'us-east' } }],
    });
  });

  it('equals-ignore-case: source is EC2 in any casing (Event Ruler README)', () => {
    check({
      pattern: { source: [{ 'equals-ignore-case': 'EC2' }] },
      matches: [{ source: 'ec2' }, { source: 'Ec2' }],
      rejects: [{ source: 'aws.ec2' }],
    });
  });

  it('wildcard: source is Simple*Service (Event Ruler README)', () => {
    check({
      pattern: { source: [{ wildcard: 'Simple*Service' }] },
      matches: [{ source: 'SimpleQueueService' }, { source: 'SimpleService' }],
      rejects: [{ source: 'simplequeueservice' }, { source: 'SimpleQueueServices' }],
    });
  });

  it('wildcard: escaped stars and backslashes are literal', () => {
    check({
      pattern: { name: [{ wildcard: 'a\\*b\\\\*' }] },
      matches: [{ name: 'a*b\\' }, { name: 'a*b\\tail' }],
      rejects: [{ name: 'axb\\' }, { name: 'a*b' }],
    });
  });
});

describe('event patterns: the comparison operators table', () => {
  const rows: readonly [string, Example][] = [
    [
      'And',
      {
        pattern: { Location: ['New York'], Day: ['Monday'] },
        matches: [{ Location: 'New York', Day: 'Monday' }],
        rejects: [{ Location: 'New York', Day: 'Tuesday' }],
      },
    ],
    [
      'Anything-but',
      {
        pattern: { state: [{ 'anything-but': 'initializing' }] },
        matches: [{ state: 'running' }],
        rejects: [{ state: 'initializing' }],
      },
    ],
    [
      'Anything-but (begins with)',
      {
        pattern: { Region: [{ 'anything-but': { prefix: 'us-' } }] },
        matches: [{ Region: 'eu-west-1' }],
        rejects: [{ Region: 'us-east-1' }],
      },
    ],
    [
      'Anything-but (ends with)',
      {
        pattern: { FileName: [{ 'anything-but': { suffix: '.png' } }] },
        matches: [{ FileName: 'a.jpg' }],
        rejects: [{ FileName: 'a.png' }],
      },
    ],
    [
      'Anything-but (ignore case)',
      {
        pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
        matches: [{ state: 'running' }],
        rejects: [{ state: 'INITIALIZING' }],
      },
    ],
    [
      'Anything-but using a wildcard',
      {
        pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
        matches: [{ FilePath: '/app/src/main.ts' }],
        rejects: [{ FilePath: '/app/lib/main.ts' }],
      },
    ],
    [
      'Begins with',
      {
        pattern: { Region: [{ prefix: 'us-' }] },
        matches: [{ Region: 'us-east-1' }],
        rejects: [{ Region: 'eu-west-1' }, { Region: 'US-EAST-1' }],
      },
    ],
    [
      'Begins with (ignore case)',
      {
        pattern: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] },
        matches: [{ service: 'EventBridge' }],
        rejects: [{ service: 'SNS' }],
      },
    ],
    [
      'Empty',
      {
        pattern: { LastName: [''] },
        matches: [{ LastName: '' }],
        rejects: [{ LastName: 'Doe' }, { LastName: null }, {}],
      },
    ],
    ['Equals', { pattern: { Name: ['Alice'] }, matches: [{ Name: 'Alice' }], rejects: [{ Name: 'alice' }] }],
    [
      'Equals (ignore case)',
      {
        pattern: { Name: [{ 'equals-ignore-case': 'alice' }] },
        matches: [{ Name: 'Alice' }, { Name: 'ALICE' }],
        rejects: [{ Name: 'Alicia' }],
      },
    ],
    [
      'Ends with',
      {
        pattern: { FileName: [{ suffix: '.png' }] },
        matches: [{ FileName: 'a.png' }],
        rejects: [{ FileName: 'a.jpg' }],
      },
    ],
    [
      'Ends with (ignore case)',
      {
        pattern: { service: [{ suffix: { 'equals-ignore-case': 'tBridge' } }] },
        matches: [{ service: 'EVENTBRIDGE' }, { service: 'eventbridge' }],
        rejects: [{ service: 'EventBus' }],
      },
    ],
    [
      'Exists',
      {
        pattern: { ProductName: [{ exists: true }] },
        matches: [{ ProductName: 'Widget' }, { ProductName: null }],
        rejects: [{}, { ProductName: [] }, { ProductName: { id: 1 } }],
      },
    ],
    [
      'Does not exist',
      {
        pattern: { ProductName: [{ exists: false }] },
        matches: [{}, { ProductName: [] }],
        rejects: [{ ProductName: 'Widget' }],
      },
    ],
    [
      'Not',
      {
        pattern: { Weather: [{ 'anything-but': ['Raining'] }] },
        matches: [{ Weather: 'Sunny' }],
        rejects: [{ Weather: 'Raining' }, {}],
      },
    ],
    ['Null', { pattern: { UserID: [null] }, matches: [{ UserID: null }], rejects: [{ UserID: '' }, {}] }],
    [
      'Numeric (equals)',
      {
        pattern: { Price: [{ numeric: ['=', 100] }] },
        matches: [{ Price: 100 }, { Price: 100.0 }],
        rejects: [{ Price: 100.000001 }, { Price: '100' }],
      },
    ],
    [
      'Numeric (range)',
      {
        pattern: { Price: [{ numeric: ['>', 10, '<=', 20] }] },
        matches: [{ Price: 20 }, { Price: 10.000001 }],
        rejects: [{ Price: 10 }, { Price: 20.000001 }],
      },
    ],
    [
      'Or',
      {
        pattern: { PaymentType: ['Credit', 'Debit'] },
        matches: [{ PaymentType: 'Credit' }, { PaymentType: 'Debit' }],
        rejects: [{ PaymentType: 'Cash' }],
      },
    ],
    [
      'Or (multiple fields)',
      {
        pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
        matches: [
          { Location: 'New York', Day: 'Friday' },
          { Location: 'Boston', Day: 'Monday' },
        ],
        rejects: [{ Location: 'Boston', Day: 'Tuesday' }],
      },
    ],
    [
      'Wildcard',
      {
        pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
        matches: [{ FileName: 'dir/a.png' }, { FileName: 'dir/sub/b.png' }],
        rejects: [{ FileName: 'other/a.png' }, { FileName: 'dir/a.jpg' }],
      },
    ],
  ];

  it.each(rows)('%s', (_, example) => check(example));
});

describe('event patterns: $or', () => {
  it('matches when any $or branch of numeric conditions holds', () => {
    check({
      pattern: {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      },
      matches: [{ detail: { 'd-count': 3 } }, { detail: { 'x-limit': 301.8 } }, { detail: { 'c-count': 1 } }],
      rejects: [{ detail: { 'c-count': 6, 'd-count': 11, 'x-limit': 1 } }],
    });
  });

  it('ANDs fields with an $or: source && (metricName || namespace)', () => {
    check({
      pattern: {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      },
      matches: [
        { source: 'aws.cloudwatch', metricName: 'ReadLatency' },
        { source: 'aws.cloudwatch', namespace: 'AWS/ES' },
      ],
      rejects: [
        { source: 'aws.cloudwatch', metricName: 'Other' },
        { source: 'aws.ec2', metricName: 'ReadLatency' },
      ],
    });
  });

  it('ANDs parallel $or blocks at different levels', () => {
    check({
      pattern: {
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
        detail: {
          $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }],
        },
      },
      matches: [{ namespace: 'AWS/EC2', detail: { 'detail-type': 'CloudWatch Alarm State Change' } }],
      rejects: [
        { namespace: 'AWS/EC2', detail: { source: 'aws.s3' } },
        { detail: { source: 'aws.cloudwatch' } },
      ],
    });
  });

  it('holds an AND inside a branch, and nested $or inside that', () => {
    const pattern: JsonObject = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2', 'AWS/ES'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    };
    check({
      pattern,
      matches: [
        { source: 'aws.cloudwatch', scope: 'Service' },
        { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 },
      ],
      rejects: [
        { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' },
        { source: 'aws.cloudwatch', metricType: 'MetricType', spaceId: 1000 },
      ],
    });
  });

  it('treats "$or" holding an object as an ordinary field name, as Event Ruler keeps doing', () => {
    const pattern = { source: ['aws.cloudwatch'], $or: { metricType: ['MetricType'] } };
    expect(validatePattern(pattern)).toEqual([]);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', $or: { metricType: 'MetricType' } })).toBe(
      true,
    );
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricType: 'MetricType' })).toBe(false);
  });
});

describe('event patterns: types and numbers', () => {
  it('does not match across JSON types', () => {
    expect(matchesPattern({ a: [5] }, { a: '5' })).toBe(false);
    expect(matchesPattern({ a: ['5'] }, { a: 5 })).toBe(false);
    expect(matchesPattern({ a: [true] }, { a: 'true' })).toBe(false);
    expect(matchesPattern({ a: [{ prefix: '1' }] }, { a: 12 })).toBe(false);
    expect(matchesPattern({ a: [{ numeric: ['=', 5] }] }, { a: '5' })).toBe(false);
  });

  it('lets anything-but of strings match values of other types, and of numbers match strings', () => {
    expect(matchesPattern({ a: [{ 'anything-but': 'x' }] }, { a: 5 })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': 5 }] }, { a: '5' })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': { prefix: 'x' } }] }, { a: null })).toBe(true);
  });

  it('compares numbers to six decimal places within ±5e9', () => {
    expect(matchesPattern({ a: [{ numeric: ['<=', 5e9] }] }, { a: 5e9 })).toBe(true);
    expect(matchesPattern({ a: [{ numeric: ['>', 0] }] }, { a: 5_000_000_001 })).toBe(false);
    expect(matchesPattern({ a: [{ numeric: ['>', 0] }] }, { a: 1.0000001 })).toBe(false);
    expect(matchesPattern({ a: [{ numeric: ['=', 0.3] }] }, { a: 0.3 })).toBe(true);
  });

  it('converts numbers to millionths exactly', () => {
    expect(toMicros(0.1)).toBe(100_000);
    expect(toMicros(-3.018e2)).toBe(-301_800_000);
    expect(toMicros(1e-6)).toBe(1);
    expect(toMicros(1e-7)).toBeUndefined();
    expect(toMicros(5e9)).toBe(5e15);
    expect(toMicros(5e9 + 1)).toBeUndefined();
  });

  it('matches exact numbers by value, since parsed JSON cannot tell 300 from 300.0', () => {
    expect(matchesPattern({ a: [300] }, { a: 300.0 })).toBe(true);
    expect(matchesPattern({ a: [123456789012] }, { a: 123456789012 })).toBe(true);
  });
});

describe('validatePattern', () => {
  it('accepts every pattern of the examples above', () => {
    expect(validatePattern({ detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } })).toEqual([]);
    expect(validatePattern('{"source": ["aws.ec2"]}')).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['a pattern that is not an object', ['aws.ec2'], '$: the pattern must be a JSON object'],
    ['text that is not JSON', '{"source": ', '$: the pattern is not valid JSON'],
    ['an empty pattern', {}, '$: empty objects are not allowed'],
    ['a field that is a plain value', { source: 'aws.ec2' }, '$.source: must be an object or an array'],
    ['an empty value list', { source: [] }, '$.source: empty arrays are not allowed'],
    ['a nested list as a value', { source: [['aws.ec2']] }, '$.source[0]: a match value must be'],
    ['an unknown operator', { source: [{ regex: '.*' }] }, '$.source[0]: unrecognized match type "regex"'],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }, '$.source[0]: only one key'],
    ['a numeric prefix', { detail: { state: [{ prefix: 5 }] } }, '$.detail.state[0].prefix:'],
    ['prefix with an unknown modifier', { a: [{ prefix: { 'ignore-case': 'x' } }] }, '$.a[0].prefix:'],
    [
      'a numeric comparison with a string',
      { a: [{ numeric: ['<', 'ten'] }] },
      '$.a[0].numeric: the value after "<" must be a number',
    ],
    [
      'a numeric range upside down',
      { a: [{ numeric: ['>', 5, '<', 1] }] },
      '$.a[0].numeric: the lower bound must be less',
    ],
    [
      'an unknown numeric operator',
      { a: [{ numeric: ['!=', 1] }] },
      '$.a[0].numeric: unrecognized numeric operator',
    ],
    [
      'a numeric equality with two numbers',
      { a: [{ numeric: ['=', 1, 2] }] },
      '$.a[0].numeric: "=" takes exactly one number',
    ],
    ['a number beyond 5e9', { a: [{ numeric: ['<', 6e9] }] }, '$.a[0].numeric: 6000000000 is outside'],
    [
      'a number with 7 decimals',
      { a: [{ numeric: ['>', 0.0000001] }] },
      '$.a[0].numeric: 1e-7 is outside ±5000000000 or has more than 6 decimals',
    ],
    ['exists with a string', { a: [{ exists: 'yes' }] }, '$.a[0].exists: exists takes true or false'],
    [
      'an anything-but list of mixed types',
      { detail: { state: [{ 'anything-but': [1, 'a'] }] } },
      '$.detail.state[0].anything-but: an anything-but list',
    ],
    [
      'an empty anything-but list',
      { a: [{ 'anything-but': [] }] },
      '$.a[0].anything-but: an anything-but list',
    ],
    ['anything-but null', { a: [{ 'anything-but': null }] }, '$.a[0].anything-but: anything-but takes'],
    [
      'an empty anything-but prefix',
      { a: [{ 'anything-but': { prefix: '' } }] },
      '$.a[0].anything-but.prefix: an empty prefix',
    ],
    [
      'an unknown anything-but operator',
      { a: [{ 'anything-but': { contains: 'x' } }] },
      '$.a[0].anything-but.contains:',
    ],
    [
      'consecutive wildcards',
      { a: [{ wildcard: 'a**b' }] },
      '$.a[0].wildcard: consecutive wildcard characters',
    ],
    [
      'a backslash escaping a letter',
      { a: [{ wildcard: 'a\\b' }] },
      '$.a[0].wildcard: a backslash may only escape',
    ],
    [
      'a CIDR with a /33 mask',
      { a: [{ cidr: '10.0.0.0/33' }] },
      '$.a[0].cidr: "10.0.0.0/33" is not an IPv4 or IPv6 CIDR block',
    ],
    ['an $or with one branch', { $or: [{ a: ['b'] }] }, '$.$or: $or needs at least 2 objects'],
    ['an $or branch that is not an object', { $or: [{ a: ['b'] }, ['c']] }, '$.$or[1]: only JSON objects'],
    [
      'an operator name used as a field inside $or',
      { $or: [{ prefix: ['x'] }, { a: ['b'] }] },
      '$.$or[0].prefix: "prefix" is an operator',
    ],
    [
      'a key that needs quoting in the path',
      { detail: { 'a.b': 'x' } },
      '$.detail["a.b"]: must be an object or an array',
    ],
  ])('reports %s', (_, pattern, message) => {
    const errors = validatePattern(pattern);
    expect(
      errors.some((error) => error.startsWith(message)),
      errors.join('\n'),
    ).toBe(true);
  });

  it('reports every problem, not just the first', () => {
    expect(validatePattern({ source: [], detail: { state: 'x', count: [{ numeric: [] }] } })).toHaveLength(3);
  });

  it('makes matchesPattern and compilePattern throw a named error listing the problems', () => {
    const thrown = (() => {
      try {
        matchesPattern({ source: 'aws.ec2' }, EC2_TERMINATED);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(InvalidEventPatternError);
    expect(thrown).toMatchObject({
      name: 'InvalidEventPatternException',
      errors: ['$.source: must be an object or an array, not the string "aws.ec2"'],
    });
    expect(() => compilePattern({})).toThrow(InvalidEventPatternError);
  });
});
