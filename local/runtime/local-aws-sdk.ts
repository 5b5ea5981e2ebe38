/**
 * `aws-sdk:<service>:<action>` tasks in the local runtime: the orchestrator's own AWS SDK transport
 * (`lambdas/aws/aws-sdk-transport.ts`, the one the Lambda uses), its clients pointed at the
 * embedded services. A service with no stand-in here is not called at all: the router fails the
 * task unless a mocked result is declared for it (`IntegrationMocks`).
 */
import { AwsSdkCaller, awsSdkTransport } from '../../lambdas/aws/aws-sdk-transport.js';
import { awsSdkClientName } from '../../lambdas/contract/aws-sdk-services.js';
import type { AwsSdkTransport } from '../../lambdas/runtime/task-router.js';

/** Where the embedded services answer, by v3 client name (`dynamodb`, `s3`, `sqs`). */
export type LocalClientConfigs = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Credentials and region every local client gets: nothing here checks them, nothing reaches AWS. */
const LOCAL_CLIENT_DEFAULTS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

/**
 * The whole configuration of a local client: where its service answers (one entry of
 * {@link LocalClientConfigs}) with the local credentials and region. The runtime's own clients of
 * a service (the S3 of Distributed Map's ObjectStorage) are made from it too, so that they and the
 * `aws-sdk:*` tasks reach the same service the same way.
 */
export function localClientConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...LOCAL_CLIENT_DEFAULTS, ...config };
}

/** The AWS SDK transport of the local runtime, on the services `configs` names. */
export function localAwsSdkTransport(configs: LocalClientConfigs): AwsSdkTransport {
  const caller = new AwsSdkCaller({
    clientConfig: (clientName) => {
      const config = configs[clientName];
      return config === undefined ? undefined : localClientConfig(config);
    },
  });
  return {
    ...awsSdkTransport(caller),
    has: (service) => Object.hasOwn(configs, awsSdkClientName(service)),
  };
}
