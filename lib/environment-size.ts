/**
 * Lambda refuses a function whose environment variables take more than 4 KB ("The total size of
 * the set doesn't exceed 4 KB", Lambda developer guide, "Working with Lambda environment
 * variables"), and only at deploy. Synth cannot see the values CloudFormation will resolve (queue
 * URLs, ARNs), so it estimates each unresolved part at the length such a value reaches, and fails
 * with the figure when the estimate is over the limit.
 */
import { Token, Tokenization } from 'aws-cdk-lib';

/** Lambda's limit on a function's environment variables, names and values together, in bytes. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * The length assumed for a value CloudFormation resolves at deploy: an SQS queue URL with an
 * 80-character queue name, the longest ARN-like values Baton puts there.
 */
export const RESOLVED_VALUE_ESTIMATE_BYTES = 140;

/**
 * The estimated size of an environment: each name and value in UTF-8 bytes, each unresolved part of
 * a value at {@link RESOLVED_VALUE_ESTIMATE_BYTES}, except the variables whose size `known` gives.
 */
export function estimateEnvironmentBytes(
  environment: Readonly<Record<string, string>>,
  known: Readonly<Record<string, number>> = {},
): number {
  let total = 0;
  for (const [name, value] of Object.entries(environment)) {
    total += Buffer.byteLength(name);
    const size = known[name];
    if (size !== undefined) total += size;
    else if (!Token.isUnresolved(value)) total += Buffer.byteLength(value);
    else {
      // Each token stands for a resolved value; what is around them is literal text.
      const placeholder = 'x'.repeat(RESOLVED_VALUE_ESTIMATE_BYTES);
      const estimated = Tokenization.reverseString(value)
        .mapTokens({ mapToken: () => placeholder })
        .join({ join: (left: unknown, right: unknown) => `${String(left)}${String(right)}` });
      total += Buffer.byteLength(String(estimated));
    }
  }
  return total;
}
