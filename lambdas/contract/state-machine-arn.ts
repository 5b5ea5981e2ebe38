/**
 * State machine and execution ARNs, as `states:startExecution` tasks name Baton workflows: the
 * state machine `arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<version or alias>]`
 * is the Baton workflow `<name>`; the execution `...:execution:<name>:<execution name>` is that
 * workflow's execution of that name. Pure functions, shared by the task router, the control plane
 * and the construct.
 */

/** A parsed state machine ARN. */
export interface StateMachineArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The state machine's name: the Baton workflow it runs. */
  readonly name: string;
  /** A version number or an alias name after the name. @default none */
  readonly qualifier?: string;
}

/** Step Functions' state machine names: 1-80 characters; Baton workflow names fit within them. */
const STATE_MACHINE_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_.-]{1,80})(?::([A-Za-z0-9_.$-]{1,128}))?$/;
const EXECUTION_ARN =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_.-]{1,80}):([^:]{1,80})$/;

/** Parses a state machine ARN; undefined when `arn` is not one. */
export function parseStateMachineArn(arn: string): StateMachineArn | undefined {
  const match = STATE_MACHINE_ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, name, qualifier] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  return { partition, region, account, name, ...(qualifier !== undefined ? { qualifier } : {}) };
}

/** The state machine's ARN without its qualifier. */
export function unqualifiedArn(arn: StateMachineArn): string {
  return `arn:${arn.partition}:states:${arn.region}:${arn.account}:stateMachine:${arn.name}`;
}

/** The ARN of the execution `executionName` of the state machine `arn`. */
export function executionArnOf(arn: StateMachineArn, executionName: string): string {
  return `arn:${arn.partition}:states:${arn.region}:${arn.account}:execution:${arn.name}:${executionName}`;
}

/** The workflow and execution name an execution ARN names; undefined when it is not one. */
export function parseExecutionArn(
  arn: string,
): { readonly workflow: string; readonly name: string } | undefined {
  const match = EXECUTION_ARN.exec(arn);
  if (!match) return undefined;
  return { workflow: match[4] as string, name: match[5] as string };
}
