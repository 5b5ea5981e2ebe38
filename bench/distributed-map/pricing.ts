/**
 * The cost model of the `distributed-map` suite: the requests a run made, priced at us-east-1 list
 * prices (free tiers ignored), next to what Step Functions charges for the same run.
 *
 * Step Functions, as its pricing page (https://aws.amazon.com/step-functions/pricing/, read on
 * 2026-12-07) and developer guide state them:
 * - Standard: $0.025 per 1,000 state transitions (US East, N. Virginia).
 * - "Transitions in Distributed Map states": a Distributed Map is charged one state transition of
 *   the parent for each child workflow execution it starts
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html).
 * - Express: $1.00 per million requests (one per execution started) and duration at $0.06000 per
 *   GB-hour for the first 1,000 GB-hours a month ($0.00001667 per GB-second; $0.03 for the next
 *   4,000, $0.01642 beyond), duration rounded up to the nearest 100 ms, memory billed in 64 MB
 *   chunks (50 MB + definition + payload: 64 MB for a child this small).
 */
import { Prices } from '../cost/pricing.js';
import type { LocalRuntimeMeter } from './meter.js';

/** USD per unit, Baton's services (from `bench/cost/pricing.ts`) and Step Functions'. */
export const DmapPrices = {
  ...Prices,
  /** S3 Standard: $0.005 per 1,000 PUT, COPY, POST or LIST requests. */
  s3PutOrList: 0.005 / 1000,
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  stepFunctionsTransition: 0.025 / 1000,
  /** Step Functions Express: $1.00 per million requests. */
  expressRequest: 1 / 1e6,
  /** Step Functions Express: $0.06 per GB-hour, the first 1,000 GB-hours of a month. */
  expressGbSecond: 0.06 / 3600,
} as const;

/** The orchestrator function's memory: the construct's default (`DEFAULT_ORCHESTRATOR_MEMORY_MB`). */
export const ORCHESTRATOR_MEMORY_MB = 1024;
/** Express memory billing: 64 MB chunks; a child this small uses one. */
const EXPRESS_BILLED_MB = 64;

/** One line of a cost table: what, on what basis, USD for the whole run. */
export interface CostLine {
  readonly service: string;
  readonly basis: string;
  readonly usd: number;
  /** False for a line shown for comparison, outside the total. */
  readonly included: boolean;
}

const S3_GETS = new Set(['GetObject', 'HeadObject']);

/**
 * Baton's cost of the run: SQS requests (each started 64 KiB of a message sent; one receive and one
 * delete per orchestrator invocation, as Lambda's pollers make them), DynamoDB units, S3 requests,
 * and the orchestrator Lambda: its invocations, and its duration as measured locally (receive to
 * delete of each batch; on 2 cores with 16 invocations in flight this includes waiting for a core,
 * so it overstates; the process's CPU time is shown as the lower bound).
 */
export function batonCost(
  meter: LocalRuntimeMeter,
  measured: { readonly invocationSeconds: number; readonly cpuSeconds: number },
): { lines: CostLine[] } {
  const sends = meter.sqsSends();
  const dynamo = meter.dynamoTotals();
  let s3Gets = 0;
  let s3Puts = 0;
  for (const [command, count] of meter.s3) {
    if (S3_GETS.has(command)) s3Gets += count;
    else s3Puts += count;
  }
  const gb = ORCHESTRATOR_MEMORY_MB / 1024;
  return {
    lines: [
      {
        service: 'SQS',
        basis: `$0.40 per million requests: ${sends.chunks} sent (64 KiB chunks), ${meter.receives} receives, ${meter.deleteBatches} deletes`,
        usd: (sends.chunks + meter.receives + meter.deleteBatches) * DmapPrices.sqsRequest,
        included: true,
      },
      {
        service: 'DynamoDB writes',
        basis: `$0.625 per million WRU: ${dynamo.writeRequests} requests, ${dynamo.writeUnits} WRU`,
        usd: dynamo.writeUnits * DmapPrices.dynamoDbWriteUnit,
        included: true,
      },
      {
        service: 'DynamoDB reads',
        basis: `$0.125 per million RRU: ${dynamo.readRequests} requests, ${dynamo.readUnits} RRU`,
        usd: dynamo.readUnits * DmapPrices.dynamoDbReadUnit,
        included: true,
      },
      {
        service: 'S3',
        basis: `$0.005 per 1,000 PUT/LIST (${s3Puts}), $0.0004 per 1,000 GET (${s3Gets})`,
        usd: s3Puts * DmapPrices.s3PutOrList + s3Gets * DmapPrices.s3Get,
        included: true,
      },
      {
        service: 'Lambda requests',
        basis: `$0.20 per million: ${meter.deleteBatches} orchestrator invocations`,
        usd: meter.deleteBatches * DmapPrices.lambdaRequest,
        included: true,
      },
      {
        service: 'Lambda duration',
        basis: `$0.0000133334 per GB-s (Arm): ${measured.invocationSeconds.toFixed(1)} s of invocations measured x ${gb} GB`,
        usd: measured.invocationSeconds * gb * DmapPrices.lambdaArmGbSecond,
        included: true,
      },
      {
        service: '(Lambda duration, CPU)',
        basis: `lower bound, not in the total: ${measured.cpuSeconds.toFixed(1)} s of process CPU x ${gb} GB`,
        usd: measured.cpuSeconds * gb * DmapPrices.lambdaArmGbSecond,
        included: false,
      },
    ],
  };
}

/** Step Functions' price of the same run: a Standard parent and Express children. */
export function stepFunctionsCost(run: {
  readonly children: number;
  readonly parentTransitions: number;
  /** Sum of the children's durations, each rounded up to 100 ms. */
  readonly billedChildSeconds: number;
}): CostLine[] {
  const transitions = run.parentTransitions + run.children;
  const gbSeconds = run.billedChildSeconds * (EXPRESS_BILLED_MB / 1024);
  return [
    {
      service: 'Standard transitions',
      basis: `$0.025 per 1,000: ${transitions} (the parent's states + one per child started)`,
      usd: transitions * DmapPrices.stepFunctionsTransition,
      included: true,
    },
    {
      service: 'Express requests',
      basis: `$1.00 per million: ${run.children} children`,
      usd: run.children * DmapPrices.expressRequest,
      included: true,
    },
    {
      service: 'Express duration',
      basis: `$0.00001667 per GB-s: ${run.billedChildSeconds.toFixed(0)} s billed (100 ms steps) x 64 MB`,
      usd: gbSeconds * DmapPrices.expressGbSecond,
      included: true,
    },
  ];
}
