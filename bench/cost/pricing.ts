/**
 * Public list prices (us-east-1, pay as you go, free tiers ignored) and the cost model that turns
 * counted requests into USD per million steps.
 */

/** USD per unit. Checked against the AWS pricing pages; update here when prices change. */
export const Prices = {
  /** DynamoDB on-demand: $0.625 per million write request units (halved on 1 Nov 2024). */
  dynamoDbWriteUnit: 0.625 / 1e6,
  /** DynamoDB on-demand: $0.125 per million read request units (halved on 1 Nov 2024). */
  dynamoDbReadUnit: 0.125 / 1e6,
  /** SQS standard queue: $0.40 per million requests; each started 64 KB of payload is a request. */
  sqsRequest: 0.4 / 1e6,
  /** EventBridge custom events: $1.00 per million; each started 64 KB of an entry is an event. */
  eventBridgeEvent: 1 / 1e6,
  /** Lambda: $0.20 per million requests (the same on Arm and x86). */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda on Arm (Graviton): $0.0000133334 per GB-second (first pricing tier). */
  lambdaArmGbSecond: 0.0000133334,
  /** S3 Standard: $0.005 per 1,000 PUT requests. */
  s3Put: 0.005 / 1000,
  /** S3 Standard: $0.0004 per 1,000 GET requests. */
  s3Get: 0.0004 / 1000,
  /** Step Functions Standard: $25 per million state transitions. */
  stepFunctionsTransition: 25 / 1e6,
} as const;

/**
 * Lambda duration model (assumed, not measured on AWS): 128 MB on Arm. An orchestrator message
 * takes ~50 ms billed (a strongly consistent Query, a conditional PutItem, SendMessage and
 * PutEvents in parallel, an index PutItem on status changes: ~5-20 ms each on AWS, plus a few ms
 * of CPU). A worker spends ~15 ms more than the task's own work on sending its result to the inbox.
 * Records of a batch are handled one after another, so batching saves requests, not GB-seconds.
 */
export const LambdaModel = {
  memoryMb: 128,
  orchestratorMsPerMessage: 50,
  workerOverheadMsPerMessage: 15,
} as const;

/** What a run used, in billable units. */
export interface Usage {
  readonly steps: number;
  readonly dynamoDbWriteUnits: number;
  readonly dynamoDbReadUnits: number;
  readonly sqsRequests: number;
  readonly eventBridgeEvents: number;
  readonly orchestratorInvocations: number;
  readonly orchestratorMessages: number;
  readonly workerInvocations: number;
  readonly workerMessages: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
}

/** One line of the cost table. */
export interface CostLine {
  readonly service: string;
  readonly basis: string;
  readonly usdPerMillionSteps: number;
  /** False for costs shown for information, outside the orchestration total. */
  readonly included: boolean;
}

/** GB-seconds of `messages` handled for `ms` each at the model's memory size. */
export function gbSeconds(messages: number, ms: number): number {
  return messages * (ms / 1000) * (LambdaModel.memoryMb / 1024);
}

/** The cost lines of a run, per million steps. */
export function costLines(usage: Usage): CostLine[] {
  const perMillion = (usd: number) => (usd / usage.steps) * 1e6;
  const orchestratorGbS = gbSeconds(usage.orchestratorMessages, LambdaModel.orchestratorMsPerMessage);
  const workerGbS = gbSeconds(usage.workerMessages, LambdaModel.workerOverheadMsPerMessage);
  return [
    {
      service: 'DynamoDB writes',
      basis: '$0.625 per million write request units',
      usdPerMillionSteps: perMillion(usage.dynamoDbWriteUnits * Prices.dynamoDbWriteUnit),
      included: true,
    },
    {
      service: 'DynamoDB reads',
      basis: '$0.125 per million read request units',
      usdPerMillionSteps: perMillion(usage.dynamoDbReadUnits * Prices.dynamoDbReadUnit),
      included: true,
    },
    {
      service: 'SQS',
      basis: '$0.40 per million requests (64 KB chunks)',
      usdPerMillionSteps: perMillion(usage.sqsRequests * Prices.sqsRequest),
      included: true,
    },
    {
      service: 'EventBridge',
      basis: '$1.00 per million custom events (64 KB chunks)',
      usdPerMillionSteps: perMillion(usage.eventBridgeEvents * Prices.eventBridgeEvent),
      included: true,
    },
    {
      service: 'Lambda requests',
      basis: '$0.20 per million, orchestrator invocations',
      usdPerMillionSteps: perMillion(usage.orchestratorInvocations * Prices.lambdaRequest),
      included: true,
    },
    {
      service: 'Lambda duration',
      basis:
        `$0.0000133334 per GB-s; ${LambdaModel.memoryMb} MB Arm, ${LambdaModel.orchestratorMsPerMessage} ms ` +
        `per orchestrator message + ${LambdaModel.workerOverheadMsPerMessage} ms per worker result send`,
      usdPerMillionSteps: perMillion((orchestratorGbS + workerGbS) * Prices.lambdaArmGbSecond),
      included: true,
    },
    {
      service: 'S3',
      basis: '$0.005 per 1,000 PUT, $0.0004 per 1,000 GET (payload offloads)',
      usdPerMillionSteps: perMillion(usage.s3Puts * Prices.s3Put + usage.s3Gets * Prices.s3Get),
      included: true,
    },
    {
      service: 'worker Lambda requests',
      basis: "$0.20 per million: the task's own function, which Step Functions would invoke too",
      usdPerMillionSteps: perMillion(usage.workerInvocations * Prices.lambdaRequest),
      included: false,
    },
  ];
}

/** The orchestration total of cost lines, per million steps. */
export function totalOf(lines: readonly CostLine[], includeAll = false): number {
  return lines
    .filter((line) => includeAll || line.included)
    .reduce((sum, line) => sum + line.usdPerMillionSteps, 0);
}

/** Step Functions Standard, per million steps (one state transition per step). */
export const STEP_FUNCTIONS_PER_MILLION = Prices.stepFunctionsTransition * 1e6;
