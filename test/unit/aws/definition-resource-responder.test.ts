import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from '../../../lambdas/engine/index.js';
import { definitionVersion } from '../../../lambdas/contract/definition-version.js';
import type { DefinitionStore, WorkflowRef } from '../../../lambdas/runtime/ports.js';
import { respond } from '../../../lambdas/aws/definition-resource-responder.js';

const definition: StateMachineDefinition = { StartAt: 'Only', States: { Only: { Type: 'Pass', End: true } } };
const version = definitionVersion(definition);

/** A definition store that records puts, as DynamoDbDefinitionStore would version them. */
class RecordingStore implements DefinitionStore {
  readonly puts: { table: string; name: string; definition: StateMachineDefinition }[] = [];
  constructor(private readonly table: string) {}
  async put(name: string, stored: StateMachineDefinition): Promise<WorkflowRef> {
    this.puts.push({ table: this.table, name, definition: stored });
    return { name, version: definitionVersion(stored) };
  }
  async get(): Promise<StateMachineDefinition | undefined> {
    return undefined;
  }
  async latest(): Promise<WorkflowRef | undefined> {
    return undefined;
  }
}

const common = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:publisher',
  ResponseURL: 'https://example.invalid/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/s/1',
  RequestId: 'request-1',
  LogicalResourceId: 'WorkflowPlaceOrder',
  ResourceType: 'Custom::BatonWorkflowDefinition',
};

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  properties: Record<string, unknown>,
): CloudFormationCustomResourceEvent {
  const ResourceProperties = { ServiceToken: common.ServiceToken, ...properties };
  if (requestType === 'Create') return { ...common, RequestType: 'Create', ResourceProperties };
  if (requestType === 'Update') {
    return {
      ...common,
      RequestType: 'Update',
      PhysicalResourceId: 'PlaceOrder@old',
      ResourceProperties,
      OldResourceProperties: ResourceProperties,
    };
  }
  return {
    ...common,
    RequestType: 'Delete',
    PhysicalResourceId: `PlaceOrder@${version}`,
    ResourceProperties,
  };
}

const properties = {
  TableName: 'baton-table',
  Workflow: 'PlaceOrder',
  Definition: JSON.stringify(definition),
  Version: version,
};

describe('the definition publisher', () => {
  it('stores the definition on create and names the resource after its version', async () => {
    let store: RecordingStore | undefined;
    const response = await respond(
      event('Create', properties),
      (table) => (store = new RecordingStore(table)),
    );

    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `PlaceOrder@${version}`,
      Data: { Version: version },
      RequestId: 'request-1',
      LogicalResourceId: 'WorkflowPlaceOrder',
    });
    expect(store?.puts).toEqual([{ table: 'baton-table', name: 'PlaceOrder', definition }]);
  });

  it('stores the new version on update (a changed definition replaces the resource)', async () => {
    const response = await respond(event('Update', properties), (table) => new RecordingStore(table));
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `PlaceOrder@${version}` });
  });

  it('changes nothing on delete: versions are immutable and running executions read them', async () => {
    let used = false;
    const response = await respond(event('Delete', properties), (table) => {
      used = true;
      return new RecordingStore(table);
    });
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `PlaceOrder@${version}` });
    expect(used).toBe(false);
  });

  it('fails the deploy when the stored version differs from the one computed at synth', async () => {
    const response = await respond(
      event('Create', { ...properties, Version: 'deadbeefdeadbeef' }),
      (table) => new RecordingStore(table),
    );
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'failed-request-1' });
    expect(response.Status === 'FAILED' ? response.Reason : '').toContain('synth computed deadbeefdeadbeef');
  });

  it('fails with the reason when the store refuses the write', async () => {
    const refusing = new RecordingStore('t');
    refusing.put = async () => {
      throw Object.assign(new Error('User is not authorized to perform: dynamodb:PutItem'), {
        name: 'AccessDeniedException',
      });
    };
    const response = await respond(event('Create', properties), () => refusing);
    expect(response).toMatchObject({
      Status: 'FAILED',
      Reason: 'AccessDeniedException: User is not authorized to perform: dynamodb:PutItem',
    });
  });

  describe('with substitutions resolved at deploy', () => {
    const withPlaceholder = {
      StartAt: 'Notify',
      States: {
        Notify: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { QueueUrl: '${OrdersQueueUrl}', MessageBody: { 'text.$': '$.text' } },
          End: true,
        },
      },
    };
    const substitutedFor = (url: string) => ({
      ...withPlaceholder,
      States: {
        Notify: {
          ...withPlaceholder.States.Notify,
          Parameters: { ...withPlaceholder.States.Notify.Parameters, QueueUrl: url },
        },
      },
    });
    const deployTime = (url: string) => ({
      TableName: 'baton-table',
      Workflow: 'Notify',
      Definition: JSON.stringify(withPlaceholder),
      Substitutions: { OrdersQueueUrl: url },
    });
    const first = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-a';
    const second = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-b';

    it('stores the substituted definition and returns the version of that text', async () => {
      let store: RecordingStore | undefined;
      const response = await respond(
        event('Create', deployTime(first)),
        (table) => (store = new RecordingStore(table)),
      );
      const expected = definitionVersion(substitutedFor(first));
      expect(response).toMatchObject({
        Status: 'SUCCESS',
        PhysicalResourceId: `Notify@${expected}`,
        Data: { Version: expected },
      });
      expect(store?.puts[0]?.definition).toEqual(substitutedFor(first));
    });

    it('makes a new version when a substituted value changes (a replaced queue)', async () => {
      const versionOf = async (url: string) => {
        const response = await respond(
          event('Update', deployTime(url)),
          (table) => new RecordingStore(table),
        );
        return response.Status === 'SUCCESS' ? response.Data?.Version : response.Reason;
      };
      const [a, b] = [await versionOf(first), await versionOf(second)];
      expect(a).toBe(definitionVersion(substitutedFor(first)));
      expect(b).toBe(definitionVersion(substitutedFor(second)));
      expect(a).not.toBe(b);
    });

    it('fails the deploy naming a placeholder that has no value', async () => {
      const response = await respond(
        event('Create', { ...deployTime(first), Substitutions: { Other: 'x' } }),
        (table) => new RecordingStore(table),
      );
      expect(response).toMatchObject({ Status: 'FAILED' });
      expect(response.Status === 'FAILED' ? response.Reason : '').toBe(
        "MissingSubstitutionError: /States/Notify/Parameters/QueueUrl: no substitution named 'OrdersQueueUrl' for the placeholder ${OrdersQueueUrl}",
      );
    });
  });

  it('fails when a property is missing', async () => {
    const { Definition: _definition, ...withoutDefinition } = properties;
    const response = await respond(event('Create', withoutDefinition), (table) => new RecordingStore(table));
    expect(response).toMatchObject({ Status: 'FAILED', Reason: 'Error: The property Definition is missing' });
  });
});
