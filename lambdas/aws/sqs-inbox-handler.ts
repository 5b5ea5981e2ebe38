/**
 * The orchestrator Lambda's SQS handler: each inbox record is parsed, applied by the
 * orchestrator, and reported as a partial batch failure when it fails, so one bad message never
 * fails the batch (Powertools Batch). Records are processed one after another: records of the
 * same execution would otherwise only conflict with each other.
 *
 * - A malformed message or a rejected one (forged token, unknown workflow) is logged with its
 *   reason and reported failed: after the queue's maxReceiveCount it rests in the DLQ.
 * - A transient failure or persistent version conflict is reported failed: SQS redelivers it.
 *
 * Tracing: each record is handled on an X-Ray subsegment of its own, current while the record is
 * handled (so the AWS SDK calls it makes nest under it), annotated with the execution id and the
 * workflow. The record's `AWSTraceHeader` is not copied onto the messages sent while handling it:
 * Lambda already linked this invocation's trace to the producers' (one trace per invocation, linked
 * across SQS), and the SDK's own `X-Amzn-Trace-Id` header links the next consumer to this one.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CountMetric, TimingMetric } from '../contract/metric-names.js';
import { LogKey, TraceAnnotation } from '../contract/observability-names.js';
import {
  MalformedMessageError,
  PUBLIC_MESSAGE_KINDS,
  parseInboxMessage,
  type InboxMessage,
} from '../runtime/inbox-messages.js';
import {
  RejectedMessageError,
  type Orchestrator,
  type OrchestratorLogger,
  type OrchestratorMetrics,
} from '../runtime/orchestrator.js';

/** What the handler is built from. */
export interface InboxHandlerDependencies {
  readonly orchestrator: Orchestrator;
  readonly logger: Logger;
  readonly tracer?: Tracer;
  readonly metrics?: Metrics;
  /**
   * The public inbox's ARN: its records may only start executions or report task results
   * ({@link PUBLIC_MESSAGE_KINDS}); any other kind from it is rejected. @default no public inbox
   */
  readonly publicQueueArn?: string;
}

/** Adapts Powertools' Logger to the loop's logging port. */
export function loggerPort(logger: Logger): OrchestratorLogger {
  return {
    debug: (message, extra) => logger.debug(message, extra ?? {}),
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  };
}

/** Adapts Powertools' Metrics (EMF) to the loop's metrics port. */
export function metricsPort(metrics: Metrics): OrchestratorMetrics {
  return {
    count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
  };
}

/** Builds the Lambda handler for the inbox queue. */
export function createInboxHandler(dependencies: InboxHandlerDependencies) {
  const { orchestrator, logger, tracer, metrics, publicQueueArn } = dependencies;
  const handleRecord = async (record: SQSRecord, context?: Context): Promise<void> => {
    let message: InboxMessage;
    try {
      message = parseInboxMessage(record.body);
      const onPublicInbox = publicQueueArn !== undefined && record.eventSourceARN === publicQueueArn;
      if (onPublicInbox && !PUBLIC_MESSAGE_KINDS.has(message.kind)) {
        throw new RejectedMessageError(
          `${message.kind} is not accepted on the public inbox, which takes starts and task results only: ` +
            'stops, redrives, timers and events come through the internal inbox',
        );
      }
      // A child execution is started by its parent's orchestrator, through an internal inbox:
      // a start on the public inbox cannot claim a parent (the console would show a false link).
      if (onPublicInbox && message.kind === 'StartExecution' && message.parent !== undefined) {
        throw new RejectedMessageError(
          'A StartExecution with a parent is not accepted on the public inbox: child executions are started by their parent',
        );
      }
    } catch (error) {
      const refused = error instanceof RejectedMessageError;
      logger.error(
        refused ? 'Inbox message refused' : 'Malformed inbox message: left for the dead-letter queue',
        {
          messageId: record.messageId,
          reason: (error as Error).message,
        },
      );
      metrics?.addMetric(CountMetric.rejectedMessages, MetricUnit.Count, 1);
      throw error;
    }
    await inSubsegment(tracer, `inbox ${message.kind}`, async () => {
      // What the message names is known before it is handled, and annotated even if it fails.
      const named = namedIn(message);
      if (named.executionId) tracer?.putAnnotation(TraceAnnotation.executionId, named.executionId);
      if (named.workflow) tracer?.putAnnotation(TraceAnnotation.workflow, named.workflow);
      try {
        // The invocation's trace: a start keeps it with the execution, for the CLI and console.
        const traceId = tracer?.isTracingEnabled() ? tracer.getRootXrayTraceId() : undefined;
        // Set by SQS and kept across redeliveries: a heartbeat counts from when it was sent.
        const sentAt = Number(record.attributes.SentTimestamp);
        const result = await orchestrator.handle(message, record.messageId, {
          ...(traceId ? { traceId } : {}),
          // Long work (a Map Run's dispatcher) stops before the invocation's time runs out.
          ...(typeof context?.getRemainingTimeInMillis === 'function'
            ? { deadline: Date.now() + context.getRemainingTimeInMillis() }
            : {}),
          ...(Number.isSafeInteger(sentAt) && sentAt > 0 ? { sentAt } : {}),
        });
        // A correlated domain event names no single execution (its id is empty).
        const executionId = result.executionId || named.executionId;
        if (executionId) tracer?.putAnnotation(TraceAnnotation.executionId, executionId);
        logger.info('Inbox message handled', {
          ...(executionId ? { [LogKey.executionId]: executionId } : {}),
          messageId: record.messageId,
          kind: message.kind,
          result: result.type,
        });
        if (record.attributes.SentTimestamp) {
          metrics?.addMetric(
            TimingMetric.stepLatency,
            MetricUnit.Milliseconds,
            Date.now() - Number(record.attributes.SentTimestamp),
          );
        }
      } catch (error) {
        const permanent = error instanceof RejectedMessageError || error instanceof MalformedMessageError;
        logger.error(permanent ? 'Inbox message rejected' : 'Inbox message failed: it will be redelivered', {
          ...(named.executionId ? { [LogKey.executionId]: named.executionId } : {}),
          messageId: record.messageId,
          kind: message.kind,
          error: error as Error,
        });
        throw error;
      }
    });
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    try {
      // A processor per invocation: it keeps the batch's failures, and invocations may overlap
      // (the local runtime runs several pollers on one handler), so a shared one would lose some.
      return await processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
        context,
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    } finally {
      metrics?.publishStoredMetrics();
    }
  };
}

/** The execution and the workflow an inbox message names itself, before it is handled. */
function namedIn(message: InboxMessage): { executionId?: string; workflow?: string } {
  switch (message.kind) {
    case 'StartExecution':
    case 'StartFromEvent':
      return { workflow: message.workflow };
    case 'TimerFired':
    case 'StopExecution':
    case 'RedriveExecution':
      return { executionId: message.executionId };
    case 'EventReceived':
    case 'TaskSucceeded':
    case 'TaskFailed':
    case 'TaskSubmitted':
    case 'TaskHeartbeat':
    case 'PollTask':
    case 'MapRunTick':
    case 'RunMapChunk':
    case 'MapRunChildEnded':
      return {};
  }
}

/**
 * Runs `work` on a new X-Ray subsegment made current while it runs, then closes it (with the
 * error, if `work` threw) and makes the parent current again: Powertools Tracer's manual
 * instrumentation, since Lambda's own (facade) segment cannot be annotated. The current segment
 * is one for the whole invocation, so the records of a batch must be handled one after another.
 * Without tracing (off, or outside Lambda), `work` just runs.
 */
async function inSubsegment<T>(tracer: Tracer | undefined, name: string, work: () => Promise<T>): Promise<T> {
  const parent = tracer?.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!tracer || !parent) return work();
  const subsegment = parent.addNewSubsegment(name);
  tracer.setSegment(subsegment);
  try {
    return await work();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}
