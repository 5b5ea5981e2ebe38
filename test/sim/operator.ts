/**
 * The simulated operator: stops, redrives and reruns executions through the real control plane
 * (`DomainControl`, as the HTTP API, the CLI and the console use it), and sometimes sends the
 * inbox messages as "your code" would, without a redrive count. Its requests reach the inbox
 * through the world's delivery faults (late, duplicated, copies days later), like any message.
 *
 * It reacts to what it sees, as a person at the console does: an execution that failed is often
 * redriven (seconds to days later, sometimes with a second click, sometimes again once the
 * redriven run failed), a finished one sometimes rerun from one of its top-level states.
 *
 * A redrive that resumes at a Parallel or Map state runs only the branches and iterations that
 * failed, were aborted or had not started, as Step Functions does; the `redrive-resumes` invariant
 * checks it (it found the engine running the whole state again, seed 388, since fixed).
 */
import { isTerminal, type ExecutionStatus } from '../../lambdas/engine/execution.js';
import { ConflictError, NotFoundError } from '../../local/control.js';
import type { Prng } from './prng.js';
import type { GeneratedWorkflow } from './workflow-generator.js';
import type { World } from './world.js';

/** How often the operator acts, drawn per seed. */
export interface OperatorPolicy {
  /** Chance that a failed (redrivable) execution is redriven. */
  readonly redrive: number;
  /** Chance that a redrive is clicked twice. */
  readonly doubleClick: number;
  /** Chance that a redrive also goes out as a raw `RedriveExecution` without `redriveCount`. */
  readonly rawRedrive: number;
  /** Chance that a finished execution is rerun from one of its top-level states. */
  readonly rerun: number;
  /** Chance that a started execution is stopped through the control plane, at some moment. */
  readonly stop: number;
}

/** Redrives of one execution, at most (a run that keeps failing is left failed). */
const MAX_REDRIVES = 2;
/** The redrivable statuses (`REDRIVABLE_STATUSES` of the control plane). */
const REDRIVABLE = new Set<ExecutionStatus>(['FAILED', 'TIMED_OUT', 'ABORTED', 'COMPENSATION_FAILED']);

/** A policy for one seed: a fifth of the seeds have an idle operator. */
export function drawPolicy(rng: Prng): OperatorPolicy {
  if (rng.chance(0.2)) return { redrive: 0, doubleClick: 0, rawRedrive: 0, rerun: 0, stop: 0 };
  return {
    redrive: rng.pick([0.3, 0.6, 0.9]),
    doubleClick: 0.25,
    rawRedrive: rng.pick([0, 0.2, 0.5]),
    rerun: rng.pick([0, 0.1, 0.3]),
    stop: rng.pick([0, 0.05, 0.15]),
  };
}

/** A rerun the operator asked for: the new execution and the state it starts at. */
export interface RerunRequest {
  readonly executionId: string;
  readonly of: string;
  readonly fromState: string;
}

/** The operator of one seed. */
export class Operator {
  /** Executions a stop was sent for (through the control plane or raw). */
  readonly stopped = new Set<string>();
  /** Reruns the control plane accepted, by new execution id. */
  readonly reruns = new Map<string, RerunRequest>();
  private readonly redrives = new Map<string, number>();
  private readonly rerunOf = new Set<string>();

  constructor(
    private readonly world: World,
    private readonly rng: Prng,
    private readonly policy: OperatorPolicy,
    private readonly workflows: ReadonlyMap<string, GeneratedWorkflow>,
  ) {
    world.onStatusChange((executionId, status) => this.onStatus(executionId, status));
  }

  /** Sometimes stops the execution through the control plane at `at` (ms from the run's start). */
  maybeStop(executionId: string, at: number): void {
    if (!this.rng.chance(this.policy.stop)) return;
    const compensate = this.rng.chance(0.5);
    this.world.at(at, 'stop', async () => {
      await this.refusable('stop', async () => {
        await this.world.control.stop(executionId, { compensate, cause: 'stopped by the operator' });
        this.stopped.add(executionId);
      });
    });
  }

  /** Notes a stop sent as a raw inbox message (by the seed's script). */
  noteRawStop(executionId: string): void {
    this.stopped.add(executionId);
  }

  private onStatus(executionId: string, status: ExecutionStatus): void {
    if (REDRIVABLE.has(status)) this.maybeRedrive(executionId);
    if (isTerminal(status)) this.maybeRerun(executionId);
  }

  private maybeRedrive(executionId: string): void {
    const done = this.redrives.get(executionId) ?? 0;
    if (done >= MAX_REDRIVES || !this.rng.chance(this.policy.redrive)) return;
    this.redrives.set(executionId, done + 1);
    const after = this.rng.chance(0.8) ? this.rng.int(1_000, 600_000) : this.rng.int(600_000, 2 * 86_400_000);
    const redrive = () =>
      this.refusable('redrive', async () => {
        await this.world.control.redrive(executionId);
      });
    this.world.after(after, 'redrive', redrive);
    if (this.rng.chance(this.policy.doubleClick))
      this.world.after(after + this.rng.int(0, 5_000), 'redrive (second click)', redrive);
    if (this.rng.chance(this.policy.rawRedrive)) {
      this.world.after(this.rng.int(0, after + 60_000), 'raw redrive', async () => {
        this.world.sendInbox({ kind: 'RedriveExecution', executionId }, 0);
        this.world.count('operator: raw redrive sent (no redriveCount)');
      });
    }
  }

  private maybeRerun(executionId: string): void {
    if (this.rerunOf.has(executionId) || /-rerun-\d+$/.test(executionId)) return;
    if (!this.rng.chance(this.policy.rerun)) return;
    this.rerunOf.add(executionId);
    const workflow = this.workflows.get(executionId.slice(0, executionId.indexOf(':')));
    if (!workflow) return;
    const fromState = this.rng.pick(Object.keys(workflow.definition.States));
    this.world.after(this.rng.int(1_000, 3_600_000), 'rerun', async () => {
      await this.refusable('rerun', async () => {
        const rerun = await this.world.control.rerun(executionId, { fromState });
        this.reruns.set(rerun, { executionId: rerun, of: executionId, fromState });
      });
    });
  }

  /** Runs a control request; a 404 or 409 is an answer the operator gets, counted. */
  private async refusable(what: string, request: () => Promise<void>): Promise<void> {
    try {
      await request();
      this.world.count(`operator: ${what} sent`);
    } catch (error) {
      if (!(error instanceof ConflictError) && !(error instanceof NotFoundError)) throw error;
      this.world.count(`operator: ${what} refused (${error.name})`);
    }
  }
}
