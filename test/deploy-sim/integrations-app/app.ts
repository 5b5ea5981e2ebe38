/**
 * A CDK app for the deployment simulation of integrations: a domain whose workflow sends to a queue
 * of the app's own, named by a `${AuditQueueUrl}` substitution (a token: the queue's URL is known
 * only at deploy), encrypted with a KMS key of its own; and workflows that invoke a function of
 * the app's (`score/`) through `lambda:invoke` and as a Lambda ARN `Resource`; a workflow of AWS
 * SDK calls on a table of the app's, an SNS publish and a Glue call, which have no local stand-in
 * and are mocked; child executions in the same domain and in another one (`Labels`); and a workflow in JSONata, whose library the orchestrator loads only for it. Run
 * as a user's app is: by the `app` command of the cdk.json next to it.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SagaOrchestrator } from '../../../lib/saga-orchestrator.js';

const app = new App();
const stack = new Stack(app, 'BatonIntegrationsSim', {
  env: { account: '123456789012', region: 'eu-west-1' },
});
const audit = new sqs.Queue(stack, 'AuditQueue', {
  enforceSSL: true,
  encryption: sqs.QueueEncryption.KMS,
});
const score = new lambda.Function(stack, 'Score', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(new URL('./score/', import.meta.url).pathname),
});
const catalog = new dynamodb.Table(stack, 'Catalog', {
  partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
});
const alerts = new sns.Topic(stack, 'Alerts', { enforceSSL: true });
// Another domain, whose workflow the ledger's runs as a child execution.
const labels = new SagaOrchestrator(stack, 'Labels', {
  domain: 'labels',
  workflows: {
    MakeLabel: {
      StartAt: 'Label',
      States: {
        Label: { Type: 'Pass', Parameters: { 'label.$': "States.Format('L-{}', $.id)" }, End: true },
      },
    },
  },
});
new SagaOrchestrator(stack, 'Ledger', {
  domain: 'ledger',
  childOrchestrators: [labels],
  definitionSubstitutions: {
    AuditQueueUrl: audit,
    ScoreFunction: score,
    CatalogTable: catalog.tableName,
    AlertsTopic: alerts.topicArn,
  },
  integrationTargets: {
    apiCalls: {
      'dynamodb:PutItem': [catalog.tableArn],
      'dynamodb:GetItem': [catalog.tableArn],
      'sns:Publish': [alerts.topicArn],
      'glue:StartJobRun': ['*'],
    },
  },
  workflows: {
    RecordOrder: {
      StartAt: 'Stamp',
      States: {
        Stamp: { Type: 'Pass', Parameters: { 'orderId.$': '$.orderId', recorded: true }, Next: 'Audit' },
        Audit: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { QueueUrl: '${AuditQueueUrl}', 'MessageBody.$': '$' },
          ResultSelector: { 'messageId.$': '$.MessageId' },
          End: true,
        },
      },
    },
    Score: {
      StartAt: 'Invoke',
      States: {
        Invoke: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: '${ScoreFunction}', 'Payload.$': '$' },
          OutputPath: '$.Payload',
          Catch: [{ ErrorEquals: ['ScoreTooLow'], ResultPath: '$.error', Next: 'Rejected' }],
          End: true,
        },
        Rejected: { Type: 'Pass', Parameters: { 'rejected.$': '$.error.Error' }, End: true },
      },
    },
    ScoreDirect: {
      StartAt: 'Invoke',
      States: { Invoke: { Type: 'Task', Resource: '${ScoreFunction}', End: true } },
    },
    Catalog: {
      StartAt: 'Put',
      States: {
        Put: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem',
          Parameters: { TableName: '${CatalogTable}', Item: { id: { 'S.$': '$.sku' } } },
          ResultPath: null,
          Next: 'Get',
        },
        Get: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
          Parameters: { TableName: '${CatalogTable}', Key: { id: { 'S.$': '$.sku' } } },
          ResultSelector: { 'id.$': '$.Item.id.S' },
          ResultPath: '$.stored',
          Next: 'Crawl',
        },
        Crawl: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:glue:startJobRun',
          Parameters: { JobName: 'crawl' },
          ResultPath: '$.crawl',
          Next: 'Alert',
        },
        Alert: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish',
          Parameters: { TopicArn: '${AlertsTopic}', 'Message.$': '$.sku' },
          ResultSelector: { 'messageId.$': '$.MessageId' },
          ResultPath: '$.alert',
          End: true,
        },
      },
    },
    // MakeLabel, of the labels domain, as a child execution.
    LabelAsChild: {
      StartAt: 'Child',
      States: {
        Child: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: {
            StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:MakeLabel',
            'Input.$': '$',
            'Name.$': '$$.Execution.Name',
          },
          OutputPath: '$.Output',
          End: true,
        },
      },
    },
    // Score, run as a child execution whose end the parent waits for.
    ScoreAsChild: {
      StartAt: 'Child',
      States: {
        Child: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: {
            StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:Score',
            'Input.$': '$',
            'Name.$': "States.Format('child-of-{}', $$.Execution.Name)",
          },
          OutputPath: '$.Output',
          End: true,
        },
      },
    },
    // JSONata states: the orchestrator loads the jsonata library before it compiles this one.
    Tally: {
      QueryLanguage: 'JSONata',
      StartAt: 'Total',
      States: {
        Total: {
          Type: 'Pass',
          Assign: { total: '{% $sum($states.input.lines.(qty * price)) %}' },
          Next: 'Large?',
        },
        'Large?': {
          Type: 'Choice',
          Choices: [{ Condition: '{% $total > 100 %}', Next: 'Large' }],
          Default: 'Small',
        },
        Large: {
          Type: 'Pass',
          Output: { size: 'large', total: '{% $total %}', ref: '{% $uppercase($states.input.ref) %}' },
          End: true,
        },
        Small: { Type: 'Pass', Output: { size: 'small', total: '{% $total %}' }, End: true },
      },
    },
  },
});
app.synth();
