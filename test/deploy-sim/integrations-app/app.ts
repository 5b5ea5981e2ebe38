/**
 * A CDK app for the deployment simulation of integrations: a domain whose workflow sends to a queue
 * of the app's own, named by a `${AuditQueueUrl}` substitution (a token: the queue's URL is known
 * only at deploy). Run as a user's app is: by the `app` command of the cdk.json next to it.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SagaOrchestrator } from '../../../lib/saga-orchestrator.js';

const app = new App();
const stack = new Stack(app, 'BatonIntegrationsSim', {
  env: { account: '123456789012', region: 'eu-west-1' },
});
const audit = new sqs.Queue(stack, 'AuditQueue', { enforceSSL: true });
new SagaOrchestrator(stack, 'Ledger', {
  domain: 'ledger',
  definitionSubstitutions: { AuditQueueUrl: audit },
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
  },
});
app.synth();
