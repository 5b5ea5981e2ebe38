import { describe, expect, it } from 'vitest';
import {
  MissingSubstitutionError,
  placeholderUses,
  substituteDefinition,
  wholePlaceholder,
} from '../../../lambdas/contract/definition-substitutions.js';

const definition = {
  StartAt: 'Notify',
  States: {
    Notify: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: { QueueUrl: '${OrdersQueueUrl}', MessageBody: { note: 'order ${OrderPrefix}-1' } },
      End: true,
    },
  },
};

describe('substituteDefinition', () => {
  it('replaces placeholders inside string values, whole or in part', () => {
    const substituted = substituteDefinition(definition, {
      OrdersQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
      OrderPrefix: 'ORD',
    });
    expect(substituted).toEqual({
      StartAt: 'Notify',
      States: {
        Notify: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: {
            QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
            MessageBody: { note: 'order ORD-1' },
          },
          End: true,
        },
      },
    });
  });

  it('leaves its argument unchanged', () => {
    const copy = structuredClone(definition);
    substituteDefinition(definition, { OrdersQueueUrl: 'u', OrderPrefix: 'p' });
    expect(definition).toEqual(copy);
  });

  it('fails on a placeholder with no value, naming it and where it is', () => {
    let thrown: unknown;
    try {
      substituteDefinition(definition, { OrderPrefix: 'ORD' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MissingSubstitutionError);
    expect(thrown).toMatchObject({
      name: 'MissingSubstitutionError',
      key: 'OrdersQueueUrl',
      pointer: '/States/Notify/Parameters/QueueUrl',
    });
    expect((thrown as Error).message).toContain("no substitution named 'OrdersQueueUrl'");
  });

  it('unescapes ${!Name} to the literal text ${Name} without needing a value', () => {
    expect(substituteDefinition({ Comment: 'cost: ${!Price}' }, {})).toEqual({ Comment: 'cost: ${Price}' });
  });

  it('leaves deferred placeholders and escapes for the final pass', () => {
    const partial = substituteDefinition(
      { A: '${Later}', B: '${Now}', C: '${!Literal}' },
      { Now: 'now' },
      { defer: new Set(['Later']) },
    );
    expect(partial).toEqual({ A: '${Later}', B: 'now', C: '${!Literal}' });
    expect(substituteDefinition(partial, { Later: 'later' })).toEqual({
      A: 'later',
      B: 'now',
      C: '${Literal}',
    });
  });

  it('does not touch object keys, numbers or booleans', () => {
    const value = { '${Key}': 1, n: 2, b: true, nothing: null };
    expect(substituteDefinition(value, { Key: 'k' })).toEqual(value);
  });
});

describe('placeholderUses and wholePlaceholder', () => {
  it('lists each placeholder with the pointer of its string, escapes excepted', () => {
    expect(placeholderUses({ a: ['${X} and ${Y}'], 'b/c': '${!Z}', d: '${X}' })).toEqual([
      { name: 'X', pointer: '/a/0' },
      { name: 'Y', pointer: '/a/0' },
      { name: 'X', pointer: '/d' },
    ]);
  });

  it('tells a value that is a single placeholder from one that holds it among text', () => {
    expect(wholePlaceholder('${OrdersQueueUrl}')).toBe('OrdersQueueUrl');
    expect(wholePlaceholder('https://${Host}/x')).toBeUndefined();
  });
});
