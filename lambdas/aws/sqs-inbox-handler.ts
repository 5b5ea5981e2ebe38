/**
 * The orchestrator Lambda's SQS handler: each inbox record is parsed, applied by the
 * orchestrator, and reported as a partial batch failure when it fails, so one bad message never
 * fails the batch (Powertools Batch). Records are processed one after another: records of the
 * same execution would otherwise only conflict with each other.
 *
 * - A malformed message or a rejected one (forged token, unknown workflow) is logged with its
 *   reason and reported failed: after the queue's maxReceiveCount it rests in the DLQ.
 * - A transient failure or persistent version conflict is reported failed: SQS redelivers it.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CountMetric, TimingMetric } from '../contract/metric-names.js';
import { MalformedMessageError, parseInboxMessage } from '../runtime/inbox-messages.js';
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
  const { orchestrator, logger, tracer, metrics } = dependencies;
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const traceHeader = record.attributes.AWSTraceHeader;
    let message;
    try {
      message = parseInboxMessage(record.body);
    } catch (error) {
      logger.error('Malformed inbox message: left for the dead-letter queue', {
        messageId: record.messageId,
        reason: (error as Error).message,
      });
      metrics?.addMetric(CountMetric.rejectedMessages, MetricUnit.Count, 1);
      throw error;
    }
    const subsegment = tracer?.getSegment()?.addNewSubsegment(`inbox ${message.kind}`);
    try {
      const result = await orchestrator.handle(message, record.messageId, traceHeader);
      logger.appendKeys({ executionId: result.executionId });
      tracer?.putAnnotation('executionId', result.executionId);
      if ('workflow' in message) tracer?.putAnnotation('workflow', message.workflow);
      logger.info('Inbox message handled', {
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
        messageId: record.messageId,
        kind: message.kind,
        error: error as Error,
      });
      throw error;
    } finally {
      logger.removeKeys(['executionId']);
      subsegment?.close();
    }
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
