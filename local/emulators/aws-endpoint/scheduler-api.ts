/**
 * Amazon EventBridge Scheduler's schedules (REST-JSON: `POST`, `GET` and `DELETE
 * /schedules/{Name}`, the group in the body or the `groupName` query parameter), enough for
 * one-time timers: a schedule's expression must be `at(yyyy-mm-ddThh:mm:ss)` in UTC, and its
 * target an SQS queue registered with the endpoint, to which the target's `Input` is sent as the
 * message body when the time comes (then the schedule is deleted if its ActionAfterCompletion is
 * DELETE). Scheduler's one-minute precision and flexible windows are not emulated: a schedule fires
 * at its time. A name is unique within its group (ConflictException); a group must exist
 * (`default` always does, others are registered); a missing schedule is ResourceNotFoundException.
 */
import { SYSTEM_CLOCK, SYSTEM_SCHEDULER, type Clock, type Scheduler } from '../sqs/clock.js';
import { AwsApiError, unknownOperation, validationError } from './errors.js';
import type { FieldErrors, FieldReader } from './request-fields.js';

/** Scheduler's code for a bad request field. */
export const SCHEDULER_FIELD_ERRORS: FieldErrors = {
  missing: 'ValidationException',
  invalid: 'ValidationException',
};

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const DEFAULT_GROUP = 'default';

/** A schedule, as the endpoint holds it. */
export interface LocalSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  readonly scheduleExpression: string;
  /** Epoch ms the schedule fires at. */
  readonly fireAt: number;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly targetArn: string;
  readonly roleArn: string;
  readonly input: string;
  readonly description?: string;
  readonly createdAt: number;
  /** Set once it fired. */
  readonly firedAt?: number;
}

/** A schedule whose target could not be reached when it fired. */
export interface FailedScheduleDelivery {
  readonly schedule: LocalSchedule;
  readonly error: unknown;
}

/** Sends a schedule's input to its target; throws when the target is not there. */
export type ScheduleTarget = (targetArn: string, input: string) => void;

/** Options of {@link SchedulerApi}. */
export interface SchedulerApiOptions {
  readonly region: string;
  readonly accountId: string;
  /** Whether a target ARN is one the endpoint can deliver to. */
  readonly canDeliverTo: (targetArn: string) => boolean;
  readonly deliver: ScheduleTarget;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default setTimeout */
  readonly scheduler?: Scheduler;
}

/** The schedule operations. */
export class SchedulerApi {
  /** Deliveries that failed, oldest first (Scheduler would send them to the target's DLQ). */
  readonly failedDeliveries: FailedScheduleDelivery[] = [];

  private readonly groups = new Set<string>([DEFAULT_GROUP]);
  private readonly schedules = new Map<string, { schedule: LocalSchedule; cancel: () => void }>();
  private readonly clock: Clock;
  private readonly timers: Scheduler;

  constructor(private readonly options: SchedulerApiOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.timers = options.scheduler ?? SYSTEM_SCHEDULER;
  }

  /** Creates a schedule group (a deployed `AWS::Scheduler::ScheduleGroup`). */
  registerGroup(name: string): void {
    this.groups.add(name);
  }

  /** The schedules that exist now. */
  list(): LocalSchedule[] {
    return [...this.schedules.values()].map((entry) => entry.schedule);
  }

  /** Cancels every pending schedule's timer (the endpoint is closing). */
  stop(): void {
    for (const entry of this.schedules.values()) entry.cancel();
  }

  async handle(method: string, name: string, query: URLSearchParams, body: FieldReader): Promise<object> {
    switch (method) {
      case 'POST':
        return this.create(name, body);
      case 'GET':
        return this.get(name, query.get('groupName') ?? DEFAULT_GROUP);
      case 'DELETE':
        this.remove(name, query.get('groupName') ?? DEFAULT_GROUP);
        return {};
      default:
        throw unknownOperation(`Scheduler ${method} /schedules/{Name}`);
    }
  }

  private create(name: string, body: FieldReader): object {
    if (!NAME.test(name)) throw validationError(`Schedule name '${name}' must be 1-64 of [0-9a-zA-Z-_.]`);
    const groupName = body.optionalString('GroupName') ?? DEFAULT_GROUP;
    this.requireGroup(groupName);
    const expression = body.requiredString('ScheduleExpression');
    const timezone = body.optionalString('ScheduleExpressionTimezone') ?? 'UTC';
    body.requiredObject('FlexibleTimeWindow').requiredString('Mode');
    const target = body.requiredObject('Target');
    const targetArn = target.requiredString('Arn');
    const roleArn = target.requiredString('RoleArn');
    const input = target.optionalString('Input');
    const match = AT_EXPRESSION.exec(expression);
    if (!match) {
      throw validationError(
        `The local endpoint runs one-time schedules only: '${expression}' is not at(yyyy-mm-ddThh:mm:ss)`,
      );
    }
    if (timezone !== 'UTC') {
      throw validationError(`The local endpoint runs schedules in UTC only, not in ${timezone}`);
    }
    if (!this.options.canDeliverTo(targetArn)) {
      throw validationError(`The target ${targetArn} is not a queue registered with the local endpoint`);
    }
    if (input === undefined) {
      throw validationError(
        "Target.Input is required locally: Scheduler's default notification is not emulated",
      );
    }
    const state = body.optionalString('State') ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED')
      throw body.invalid('State', 'must be ENABLED or DISABLED');
    const action = body.optionalString('ActionAfterCompletion') ?? 'NONE';
    if (action !== 'NONE' && action !== 'DELETE') {
      throw body.invalid('ActionAfterCompletion', 'must be NONE or DELETE');
    }
    const key = `${groupName}/${name}`;
    if (this.schedules.has(key)) {
      throw new AwsApiError('ConflictException', `Schedule ${name} already exists.`, { status: 409 });
    }
    const description = body.optionalString('Description');
    const schedule: LocalSchedule = {
      name,
      groupName,
      arn: `arn:aws:scheduler:${this.options.region}:${this.options.accountId}:schedule/${groupName}/${name}`,
      scheduleExpression: expression,
      fireAt: Date.parse(`${match[1]}Z`),
      state,
      actionAfterCompletion: action,
      targetArn,
      roleArn,
      input,
      ...(description !== undefined ? { description } : {}),
      createdAt: this.clock.now(),
    };
    const cancel =
      state === 'ENABLED'
        ? this.timers.schedule(() => this.fire(key), schedule.fireAt - this.clock.now())
        : () => undefined;
    this.schedules.set(key, { schedule, cancel });
    return { ScheduleArn: schedule.arn };
  }

  private get(name: string, groupName: string): object {
    const schedule = this.find(name, groupName);
    return {
      Arn: schedule.arn,
      Name: schedule.name,
      GroupName: schedule.groupName,
      ScheduleExpression: schedule.scheduleExpression,
      ScheduleExpressionTimezone: 'UTC',
      State: schedule.state,
      ActionAfterCompletion: schedule.actionAfterCompletion,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: schedule.targetArn, RoleArn: schedule.roleArn, Input: schedule.input },
      ...(schedule.description !== undefined ? { Description: schedule.description } : {}),
      CreationDate: schedule.createdAt / 1000,
      LastModificationDate: schedule.createdAt / 1000,
    };
  }

  private remove(name: string, groupName: string): void {
    this.find(name, groupName);
    const key = `${groupName}/${name}`;
    this.schedules.get(key)?.cancel();
    this.schedules.delete(key);
  }

  private find(name: string, groupName: string): LocalSchedule {
    this.requireGroup(groupName);
    const entry = this.schedules.get(`${groupName}/${name}`);
    if (!entry) {
      throw new AwsApiError('ResourceNotFoundException', `Schedule ${name} does not exist.`, { status: 404 });
    }
    return entry.schedule;
  }

  private requireGroup(groupName: string): void {
    if (!this.groups.has(groupName)) {
      throw new AwsApiError('ResourceNotFoundException', `Schedule group ${groupName} does not exist.`, {
        status: 404,
      });
    }
  }

  private fire(key: string): void {
    const entry = this.schedules.get(key);
    if (!entry) return;
    const fired: LocalSchedule = { ...entry.schedule, firedAt: this.clock.now() };
    try {
      this.options.deliver(fired.targetArn, fired.input);
    } catch (error) {
      this.failedDeliveries.push({ schedule: fired, error });
    }
    if (fired.actionAfterCompletion === 'DELETE') this.schedules.delete(key);
    else this.schedules.set(key, { schedule: fired, cancel: () => undefined });
  }
}
