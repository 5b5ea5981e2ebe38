/**
 * The resource strings the engine itself must recognise: the prefix of Step Functions service
 * integrations, Baton's own Task resources, and the S3 resources of a Distributed Map's
 * ItemReader and ResultWriter. `lambdas/contract/task-resources.ts` re-exports them, so every
 * layer reads them from one place.
 */

/**
 * The prefix of a service integration: any AWS partition (aws, aws-cn, aws-us-gov, ...), and the
 * region and account either empty (`arn:aws:states:::`) or given, as in some AWS samples
 * (`arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject`); Step Functions calls the
 * state machine's own region either way.
 */
export const INTEGRATION_PREFIX = /^arn:aws[a-z-]*:states:(?:[a-z]{2}(?:-[a-z]+)+-\d)?:(?:\d{12})?:/;

/** The prefix of worker resources. */
export const WORKER_RESOURCE_PREFIX = 'baton:worker:';

/** The Task resource that waits for a correlated domain event (see `correlation-shapes.ts`). */
export const WAIT_FOR_EVENT_RESOURCE = 'baton:waitForEvent';

/** The Task resource a Distributed Map state dispatches its run on: performed by the runtime. */
export const MAP_RUN_RESOURCE = 'baton:mapRun';

/** The integrations an ItemReader may name (after {@link INTEGRATION_PREFIX}). */
export const ITEM_READER_ACTIONS = ['s3:getObject', 's3:listObjectsV2'] as const;

/** One of {@link ITEM_READER_ACTIONS}. */
export type ItemReaderAction = (typeof ITEM_READER_ACTIONS)[number];

/** The integration a ResultWriter names (after {@link INTEGRATION_PREFIX}). */
export const RESULT_WRITER_ACTION = 's3:putObject';

/** The integration a resource names after {@link INTEGRATION_PREFIX}, or undefined when it is not one. */
export function integrationName(resource: string): string | undefined {
  const prefix = INTEGRATION_PREFIX.exec(resource);
  return prefix ? resource.slice(prefix[0].length) : undefined;
}

/** The ItemReader action a resource names (`s3:getObject`, `s3:listObjectsV2`), if it names one. */
export function itemReaderAction(resource: string): ItemReaderAction | undefined {
  const name = integrationName(resource);
  return ITEM_READER_ACTIONS.find((action) => action === name);
}

/** Whether a resource names the ResultWriter's `s3:putObject`. */
export function isResultWriterResource(resource: string): boolean {
  return integrationName(resource) === RESULT_WRITER_ACTION;
}
