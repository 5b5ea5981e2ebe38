/**
 * Mocked results of tasks, for running locally what has no local stand-in (Rekognition, Glue,
 * SNS...) or to try a failure path: the idea of Step Functions Local's mock configuration, in a
 * smaller file. Given to the local runtime (`npm start -- --mocks <file>`, `npx baton dev --mocks
 * <file>`); never used on AWS. The file:
 *
 * ```json
 * {
 *   "States": { "<workflow>": { "<state name>": { "Return": { "JobRunId": "jr_1" } } } },
 *   "Resources": {
 *     "arn:aws:states:::sns:publish": { "Return": { "MessageId": "m-1" } },
 *     "arn:aws:states:::aws-sdk:glue:startJobRun": [
 *       { "Throw": { "Error": "Glue.ConcurrentRunsExceededException", "Cause": "busy" } },
 *       { "Return": { "JobRunId": "jr_1" } }
 *     ]
 *   }
 * }
 * ```
 *
 * A state's mock wins over its resource's. A list gives one result per attempt (the first attempt
 * takes the first entry; attempts past the end take the last), so a Retry can be tried.
 *
 * The file also declares the EventBridge connections of `http:invoke` tasks, whose HTTP calls are
 * real locally: `"Connections": { "<connection ARN>": { "AuthorizationType": "API_KEY",
 * "AuthParameters": { "ApiKeyAuthParameters": { "ApiKeyName": "x-api-key", "ApiKeyValue": "..." } } } }`,
 * the properties of an `AWS::Events::Connection` resource (BASIC: `BasicAuthParameters`
 * `Username`/`Password`; OAUTH_CLIENT_CREDENTIALS: `OAuthParameters` with `AuthorizationEndpoint`,
 * `HttpMethod`, `ClientParameters` `ClientID`/`ClientSecret`, `OAuthHttpParameters`; any:
 * `InvocationHttpParameters`).
 */
import * as z from 'zod/mini';
import { jsonSchema } from './json-value-schema.js';
import { parseOrDescribe } from './parse-or-describe.js';
import type { IntegrationMocks, MockedResult } from './task-router.js';
import type { JsonObject } from '../engine/json.js';
import { CONNECTION_ARN } from '../contract/connection-arn.js';

const resultSchema = z.union([
  z.strictObject({ Return: jsonSchema }),
  z.strictObject({
    Throw: z.strictObject({ Error: z.string().check(z.minLength(1)), Cause: z.optional(z.string()) }),
  }),
]);

const responseSchema = z.union([resultSchema, z.array(resultSchema).check(z.minLength(1))], {
  error:
    'must be {"Return": <output>} or {"Throw": {"Error": "<name>", "Cause": "<text>"}}, or a non-empty list of them (one per attempt)',
});

const mocksSchema = z.strictObject({
  States: z.optional(z.record(z.string(), z.record(z.string(), responseSchema))),
  Resources: z.optional(z.record(z.string(), responseSchema)),
  Connections: z.optional(
    z.record(
      z.string().check(z.regex(CONNECTION_ARN, 'must be an EventBridge connection ARN')),
      z.strictObject({
        AuthorizationType: z.enum(['API_KEY', 'BASIC', 'OAUTH_CLIENT_CREDENTIALS']),
        AuthParameters: z.record(z.string(), jsonSchema),
      }),
    ),
  ),
});

/** The mocks file's content, parsed. */
export type MocksConfig = z.infer<typeof mocksSchema>;

/** A mocks file that does not fit the format: the message names the field. */
export class InvalidMocksError extends Error {
  override readonly name = 'InvalidMocksError';
}

type MockedResponse = MockedResult | readonly MockedResult[];

/** The mocks of a file, looked up by workflow and state, then by resource. */
export class MockedResults implements IntegrationMocks {
  readonly howTo: string;

  private constructor(
    /** The file's content, as parsed. */
    readonly config: MocksConfig,
    source: string,
  ) {
    this.howTo =
      `declare one in ${source}, e.g. {"States": {"<workflow>": {"<state>": {"Return": <result>}}}} ` +
      'or {"Resources": {"<resource>": {"Throw": {"Error": "<error>", "Cause": "<cause>"}}}}';
  }

  /**
   * Parses a mocks file's content (parsed JSON). Throws {@link InvalidMocksError} naming the bad
   * field's JSON Pointer.
   * @param source how the user gives the file, for messages: `the mocks file (--mocks mocks.json)`
   */
  static parse(value: unknown, source: string): MockedResults {
    const parsed = parseOrDescribe(mocksSchema, value, `Invalid mocks in ${source}`);
    if (!parsed.ok) throw new InvalidMocksError(parsed.problem);
    return new MockedResults(parsed.value, source);
  }

  /** The `http:invoke` connections the file declares: ARN -> AuthorizationType and AuthParameters. */
  get connections(): Readonly<Record<string, JsonObject>> {
    return (this.config.Connections ?? {}) as Readonly<Record<string, JsonObject>>;
  }

  /** No mocks: every task without a stand-in fails, saying how to declare one in `source`. */
  static none(source: string): MockedResults {
    return new MockedResults({}, source);
  }

  find(task: {
    readonly workflow: string;
    readonly stateName: string;
    readonly resource: string;
    readonly attempt: number;
  }): MockedResult | undefined {
    const response: MockedResponse | undefined =
      own(own(this.config.States, task.workflow), task.stateName) ??
      own(this.config.Resources, task.resource);
    if (response === undefined) return undefined;
    if (!Array.isArray(response)) return response as MockedResult;
    const results = response as readonly MockedResult[];
    return results[Math.min(task.attempt, results.length) - 1];
  }
}

/** A record's own entry (never one inherited from Object.prototype, for a state named `constructor`). */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
