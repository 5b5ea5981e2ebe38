/** Transitions made by the real engine, so that what the stores are tested with has the real shapes. */
import { createHash, randomUUID } from 'node:crypto';
import {
  compileWorkflow,
  decide,
  type Command,
  type CompiledWorkflow,
  type Decision,
  type Execution,
  type ExecutionEvent,
  type Json,
} from '../../../lambdas/engine/index.js';
import type { Transition, WorkflowRef } from '../../../lambdas/runtime/ports.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Reserve -> Charge -> Ship: a typical saga of three Task states. */
export const ORDER_DEFINITION = {
  StartAt: 'Reserve',
  States: {
    Reserve: { Type: 'Task', Resource: 'baton:worker:reserve', ResultPath: '$.reservation', Next: 'Charge' },
    Charge: { Type: 'Task', Resource: 'baton:worker:charge', ResultPath: '$.payment', Next: 'Ship' },
    Ship: { Type: 'Task', Resource: 'baton:worker:ship', ResultPath: '$.shipment', End: true },
  },
};

/** A Task that runs again until its worker returns "done": as many transitions as wanted. */
export const LOOP_DEFINITION = {
  StartAt: 'Work',
  States: {
    Work: { Type: 'Task', Resource: 'baton:worker:work', ResultPath: '$.last', Next: 'More' },
    More: {
      Type: 'Choice',
      Choices: [{ Variable: '$.last', StringEquals: 'done', Next: 'Done' }],
      Default: 'Work',
    },
    Done: { Type: 'Succeed' },
  },
};

/** An order as a shop would send it: about 500 bytes of JSON. */
export const ORDER_INPUT = {
  orderId: 'ord_7Hq2LmX9pQ4rT8vZ',
  customerId: 'cus_4kR9sN2wE7yU1iO3',
  currency: 'EUR',
  items: [
    { sku: 'BOOK-978-0262033848', quantity: 1, unitPrice: 8950 },
    { sku: 'MUG-BLUE-350ML', quantity: 2, unitPrice: 1299 },
    { sku: 'TSHIRT-M-BLACK', quantity: 1, unitPrice: 2490 },
  ],
  shippingAddress: {
    name: 'Jane Doe',
    line1: '12 Rue de la Paix',
    city: 'Paris',
    postalCode: '75002',
    country: 'FR',
  },
  payment: { method: 'card', cardToken: 'tok_1NirD82eZvKYlo2CIvbtLWuY' },
  requestedAt: '2026-01-01T00:00:00.000Z',
} satisfies Json;

/** How many applied message ids a transition remembers (a runtime keeps a short window). */
const RECENT_MESSAGES = 3;

/** A UUID-shaped id derived from `seed`, like an SQS message id but repeatable. */
export function uuidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Options of {@link ExecutionRun}. */
export interface ExecutionRunOptions {
  readonly executionId?: string;
  readonly input?: Json;
  readonly businessKey?: string;
  /** @default { name: 'order', version: '0123456789abcdef' } */
  readonly workflow?: WorkflowRef;
  /**
   * The engine's payload limit: a larger one lets an input alone make a state too large for an
   * item (the engine keeps no input over the limit). @default the engine's (256 KiB)
   */
  readonly maxPayloadBytes?: number;
}

/** Drives one execution through the engine as the orchestrator would, producing the transitions it commits. */
export class ExecutionRun {
  readonly executionId: string;
  readonly workflow: WorkflowRef;
  execution: Execution | undefined;
  version = 0;
  now = T0;
  private readonly compiled: CompiledWorkflow;
  private readonly input: Json;
  private readonly businessKey: string | undefined;
  private readonly maxPayloadBytes: number | undefined;
  private commands: readonly Command[] = [];
  private recentMessages: Record<string, number> = {};

  constructor(definition: unknown, options: ExecutionRunOptions = {}) {
    this.compiled = compileWorkflow(definition);
    this.executionId = options.executionId ?? randomUUID();
    this.input = options.input ?? ORDER_INPUT;
    this.businessKey = options.businessKey;
    this.workflow = options.workflow ?? { name: 'order', version: '0123456789abcdef' };
    this.maxPayloadBytes = options.maxPayloadBytes;
  }

  /** The first transition (version 1). */
  start(): Transition {
    return this.apply({
      type: 'StartExecution',
      executionId: this.executionId,
      name: this.businessKey ?? this.executionId,
      input: this.input,
    });
  }

  /** The transition a worker's success produces for the task dispatched last. */
  completeTask(output: Json = { ok: true }): Transition {
    const dispatch = this.commands.find((c) => c.type === 'DispatchTask');
    if (dispatch === undefined) throw new Error('No task is waiting for a result');
    return this.apply({ type: 'TaskSucceeded', token: dispatch.token, output });
  }

  /** The transition `event` would produce, without moving this run on (a concurrent writer's view). */
  peek(event: ExecutionEvent): Transition {
    return this.toTransition(this.decide(event), this.version + 1);
  }

  /** The event that completes the task dispatched last. */
  taskSucceeded(output: Json): ExecutionEvent {
    const dispatch = this.commands.find((c) => c.type === 'DispatchTask');
    if (dispatch === undefined) throw new Error('No task is waiting for a result');
    return { type: 'TaskSucceeded', token: dispatch.token, output };
  }

  private apply(event: ExecutionEvent): Transition {
    const decision = this.decide(event);
    const transition = this.toTransition(decision, this.version + 1);
    this.execution = decision.execution;
    this.commands = decision.commands;
    this.version = transition.version;
    this.recentMessages = { ...transition.recentMessages };
    return transition;
  }

  private decide(event: ExecutionEvent): Decision {
    this.now += 1000;
    return decide(this.execution, event, {
      now: this.now,
      workflow: this.compiled,
      ...(this.maxPayloadBytes !== undefined ? { maxPayloadBytes: this.maxPayloadBytes } : {}),
    });
  }

  private toTransition(decision: Decision, version: number): Transition {
    const messageId = uuidFrom(
      `${this.executionId}:${version}:${JSON.stringify(decision.history[0] ?? null)}`,
    );
    const recent = Object.entries({ ...this.recentMessages, [messageId]: version }).slice(-RECENT_MESSAGES);
    return {
      executionId: this.executionId,
      version,
      execution: decision.execution,
      history: decision.history,
      commands: decision.commands,
      messageId,
      workflow: this.workflow,
      ...(this.businessKey !== undefined && { businessKey: this.businessKey }),
      recentMessages: Object.fromEntries(recent),
    };
  }
}
