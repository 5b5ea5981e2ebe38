import { describe, expect, it } from 'vitest';
import {
  executionArnOf,
  parseExecutionArn,
  parseStateMachineArn,
  unqualifiedArn,
} from '../../../lambdas/contract/state-machine-arn.js';
import { checkDefinition } from '../../../lambdas/contract/definition-check.js';
import { parseTaskResource } from '../../../lambdas/contract/task-resources.js';

describe('states:startExecution resources', () => {
  it('reads the four forms of the integration, in any partition', () => {
    expect(parseTaskResource('arn:aws:states:::states:startExecution')).toEqual({
      type: 'states',
      integration: 'requestResponse',
    });
    expect(parseTaskResource('arn:aws:states:::states:startExecution.sync')).toEqual({
      type: 'states',
      integration: 'sync',
    });
    expect(parseTaskResource('arn:aws-cn:states:::states:startExecution.sync:2')).toEqual({
      type: 'states',
      integration: 'sync:2',
    });
    expect(parseTaskResource('arn:aws:states:::states:startExecution.waitForTaskToken')).toEqual({
      type: 'states',
      integration: 'waitForTaskToken',
    });
    expect(parseTaskResource('arn:aws:states:::states:startExecution.sync:3').type).toBe('unsupported');
  });

  it('are run on AWS and locally, with no Step Functions grant (children go through the inboxes)', () => {
    const report = checkDefinition({
      StartAt: 'Child',
      States: {
        Child: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Other' },
          End: true,
        },
      },
    });
    expect(report.ok).toBe(true);
    expect(report.tasks).toEqual([
      {
        pointer: '/States/Child/Resource',
        resource: 'arn:aws:states:::states:startExecution.sync:2',
        aws: true,
        local: 'embedded',
        actions: [],
      },
    ]);
  });
});

describe('state machine ARNs', () => {
  it('name a workflow, with or without a version or alias qualifier', () => {
    expect(parseStateMachineArn('arn:aws:states:eu-west-1:123456789012:stateMachine:PlaceOrder')).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      account: '123456789012',
      name: 'PlaceOrder',
    });
    const qualified = parseStateMachineArn(
      'arn:aws:states:eu-west-1:123456789012:stateMachine:PlaceOrder:prod',
    );
    if (!qualified) throw new Error('not parsed');
    expect(qualified.qualifier).toBe('prod');
    expect(unqualifiedArn(qualified)).toBe('arn:aws:states:eu-west-1:123456789012:stateMachine:PlaceOrder');
    expect(executionArnOf(qualified, 'run-1')).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:PlaceOrder:run-1',
    );
  });

  it('are refused when they name anything else', () => {
    expect(
      parseStateMachineArn('arn:aws:states:eu-west-1:123456789012:execution:PlaceOrder:run-1'),
    ).toBeUndefined();
    expect(parseStateMachineArn('arn:aws:lambda:eu-west-1:123456789012:function:f')).toBeUndefined();
    expect(parseStateMachineArn('PlaceOrder')).toBeUndefined();
  });

  it('execution ARNs give back the workflow and the execution name', () => {
    expect(parseExecutionArn('arn:aws:states:eu-west-1:123456789012:execution:PlaceOrder:run-1')).toEqual({
      workflow: 'PlaceOrder',
      name: 'run-1',
    });
    expect(
      parseExecutionArn('arn:aws:states:eu-west-1:123456789012:stateMachine:PlaceOrder'),
    ).toBeUndefined();
  });
});
