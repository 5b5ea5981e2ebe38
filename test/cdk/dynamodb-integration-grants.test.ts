/**
 * The orchestrator's grants for `arn:aws:states:::dynamodb:<action>` states: the item actions the
 * states use, on the tables they name (a literal name or ARN, a CDK table given as a substitution,
 * or the tables of `integrationTargets.tables` when a state chooses its table at run time), with a
 * CDK table's KMS key. Step Functions grants the same actions on the table for these states
 * ("IAM policies for Amazon DynamoDB", Step Functions developer guide).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { InvalidWorkflowError } from '../../lib/errors.js';
import { SagaOrchestrator } from '../../lib/saga-orchestrator.js';
import type { SagaOrchestratorProps } from '../../lib/saga-orchestrator-props.js';
import { TEST_ENV, testApp } from './support/cdk-app.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

interface Built {
  readonly stack: Stack;
  readonly orchestrator: SagaOrchestrator;
  readonly resources: Resources;
}

function build(props: (stack: Stack) => Omit<SagaOrchestratorProps, 'domain'>): Built {
  const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
  const orchestrator = new SagaOrchestrator(stack, 'Orders', { domain: 'orders', ...props(stack) });
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  return { stack, orchestrator, resources };
}

/** Every statement of the policies attached to the orchestrator function's role. */
function orchestratorStatements({ stack, orchestrator, resources }: Built): Statement[] {
  const role = orchestrator.orchestratorFunction.role;
  if (!role) throw new Error('the orchestrator has no role');
  const roleId = stack.getLogicalId(role.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => JSON.stringify(resource.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The actions of the statements whose resources mention `resource`. */
function actionsOn(built: Built, resource: unknown): string[] {
  const text = JSON.stringify(resource);
  return orchestratorStatements(built)
    .filter((statement) => JSON.stringify([statement.Resource].flat()).includes(text))
    .flatMap((statement) => [statement.Action].flat())
    .sort();
}

const logicalId = (built: Built, construct: { node: { defaultChild?: unknown } }) =>
  built.stack.getLogicalId(construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);

const state = (action: string, parameters: Record<string, unknown>, next?: string) => ({
  Type: 'Task',
  Resource: `arn:aws:states:::dynamodb:${action}`,
  Parameters: parameters,
  ...(next ? { Next: next } : { End: true }),
});

const KEY = { id: { 'S.$': '$.id' } };

describe('DynamoDB integration grants', () => {
  it('grants the actions the states use on a table named literally, by name or by ARN, and no other', () => {
    const built = build(() => ({
      workflows: {
        Orders: {
          StartAt: 'Read',
          States: {
            Read: state('getItem', { TableName: 'orders', Key: KEY }, 'Write'),
            Write: state('putItem', { TableName: 'orders', Item: KEY }, 'Audit'),
            Audit: state('updateItem', {
              TableName: 'arn:aws:dynamodb:eu-west-1:210987654321:table/audit',
              Key: KEY,
            }),
          },
        },
      },
    }));
    expect(actionsOn(built, 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders')).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(actionsOn(built, 'arn:aws:dynamodb:eu-west-1:210987654321:table/audit')).toEqual([
      'dynamodb:UpdateItem',
    ]);
  });

  it("grants on a CDK table given as a substitution, with its key's actions for writing", () => {
    let table: dynamodb.Table | undefined;
    let key: kms.Key | undefined;
    const built = build((stack) => {
      key = new kms.Key(stack, 'OrdersKey', { enableKeyRotation: true });
      table = new dynamodb.Table(stack, 'OrdersTable', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: key,
      });
      return {
        definitionSubstitutions: { OrdersTable: table },
        workflows: {
          Orders: {
            StartAt: 'Delete',
            States: { Delete: state('deleteItem', { TableName: '${OrdersTable}', Key: KEY }) },
          },
        },
      };
    });
    if (!table || !key) throw new Error('not built');
    expect(actionsOn(built, { 'Fn::GetAtt': [logicalId(built, table), 'Arn'] })).toEqual([
      'dynamodb:DeleteItem',
    ]);
    expect(actionsOn(built, { 'Fn::GetAtt': [logicalId(built, key), 'Arn'] })).toEqual([
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
    ]);
  });

  it('fails synth naming the field when a state chooses its table at run time and no table is listed', () => {
    let thrown: unknown;
    try {
      build(() => ({
        workflows: {
          Orders: {
            StartAt: 'Read',
            States: { Read: state('getItem', { 'TableName.$': '$.table', Key: KEY }) },
          },
        },
      }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidWorkflowError);
    expect((thrown as InvalidWorkflowError).issues).toEqual([
      {
        pointer: '/States/Read/Parameters/TableName.$',
        message:
          'the table is chosen at run time, so the construct cannot grant on it: list the tables it may be in integrationTargets.tables',
      },
    ]);
  });

  it('grants the run-time-chosen actions on each table of integrationTargets.tables', () => {
    let table: dynamodb.Table | undefined;
    const built = build((stack) => {
      table = new dynamodb.Table(stack, 'Tenants', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      });
      return {
        integrationTargets: { tables: [table] },
        workflows: {
          Orders: {
            StartAt: 'Read',
            States: { Read: state('getItem', { 'TableName.$': '$.table', Key: KEY }) },
          },
        },
      };
    });
    if (!table) throw new Error('not built');
    expect(actionsOn(built, { 'Fn::GetAtt': [logicalId(built, table), 'Arn'] })).toEqual([
      'dynamodb:GetItem',
    ]);
  });

  it('grants nothing beyond the Baton table for a domain with no DynamoDB state', () => {
    const built = build(() => ({
      workflows: { Orders: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } },
    }));
    const granted = orchestratorStatements(built)
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')))
      .flatMap((statement) => [statement.Resource].flat());
    expect(JSON.stringify(granted)).not.toContain(':table/');
  });
});
