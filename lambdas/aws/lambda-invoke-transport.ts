/**
 * The task router's Lambda transport on the AWS SDK: `lambda:invoke` and Lambda ARN resources
 * become Invoke calls of a LambdaClient. A module of its own, with the client class, so that the
 * orchestrator loads it with `import()` on its first such task, not at a cold start: most workflows
 * have none, and the client is some 70 KiB of the bundle
 * (`lambdas/orchestrator/adapters-on-first-use.ts`).
 *
 * A transient failure throws TransientStoreError (the inbox message is redelivered and the
 * invocation made again: at-least-once, as Step Functions invokes); any other fails the task,
 * named `Lambda.<Error>Exception` as Step Functions names it.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaTransport } from '../runtime/task-router.js';
import { callIntegration } from './sqs-task-dispatcher.js';

/** The client class, for a caller that loads this module with `import()` and makes its client then. */
export { LambdaClient };

/** Invokes functions with `client`; pass it as the `lambda` option of `AwsTaskDispatcher`. */
export function lambdaInvokeTransport(client: LambdaClient): LambdaTransport {
  return {
    invoke: async (request) => {
      const response = await callIntegration('Lambda', 'Lambda Invoke', () =>
        client.send(new InvokeCommand(request)),
      );
      return {
        ...(response.FunctionError !== undefined && { FunctionError: response.FunctionError }),
        ...(response.Payload !== undefined && { Payload: response.Payload }),
        ...(response.ExecutedVersion !== undefined && { ExecutedVersion: response.ExecutedVersion }),
        ...(response.StatusCode !== undefined && { StatusCode: response.StatusCode }),
        ...(response.$metadata.httpStatusCode !== undefined && {
          HttpStatusCode: response.$metadata.httpStatusCode,
        }),
        ...(response.$metadata.requestId !== undefined && { RequestId: response.$metadata.requestId }),
      };
    },
  };
}
