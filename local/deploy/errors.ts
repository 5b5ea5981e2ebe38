/**
 * What can go wrong between a user's CDK app and its stacks running locally. Each error names
 * what to do about it: `baton dev` prints the message alone, without a stack trace.
 */

/** The base class: a problem with the user's app or its assembly, not a bug of Baton. */
export class LocalDeployError extends Error {
  override readonly name: string = 'LocalDeployError';
}

/** The directory has no `cdk.json`, or one without an `app` command. */
export class NoCdkAppError extends LocalDeployError {
  override readonly name = 'NoCdkAppError';

  constructor(
    readonly appDir: string,
    reason: string,
  ) {
    super(
      `${reason} in ${appDir}: run baton dev in your CDK app's directory (where cdk.json is), or give --assembly <cdk.out directory>`,
    );
  }
}

/** The app command exited with an error (or was killed); carries what it printed. */
export class SynthFailedError extends LocalDeployError {
  override readonly name = 'SynthFailedError';

  constructor(
    readonly command: string,
    readonly exit: string,
    readonly output: string,
  ) {
    super(`Synthesizing the app failed: \`${command}\` ${exit}.\n${output.trimEnd()}`);
  }
}

/** The assembly directory is missing, unreadable, or not a cloud assembly. */
export class AssemblyReadError extends LocalDeployError {
  override readonly name = 'AssemblyReadError';
}

/** The app needs context the CDK CLI would look up in an AWS account (VPCs, AMIs, zones). */
export class MissingContextError extends LocalDeployError {
  override readonly name = 'MissingContextError';
}

/** No stack of the assembly has a SagaOrchestrator. */
export class NoOrchestratorError extends LocalDeployError {
  override readonly name = 'NoOrchestratorError';
}
