/**
 * The seeded simulation, in the test suite: a couple of hundred seeds must keep every invariant
 * (CI runs the full `npm run sim -- --seeds 1000` separately), a seed must replay exactly, and a
 * deliberately broken store (or local runtime, or correlation store) must be caught.
 */
import { describe, expect, it } from 'vitest';
import type { CorrelationStore, ExecutionStore } from '../../lambdas/runtime/ports.js';
import { createBatonTable, startDynalite } from '../../testing/dynalite-table.js';
import { checkOutputs } from './output-oracle.js';
import { runSeed } from './simulation.js';

/** Seeds the suite runs; `BATON_SIM_SEEDS` overrides. */
const SEEDS = Number(process.env.BATON_SIM_SEEDS ?? 200);

describe('the seeded simulation', () => {
  it(`keeps every invariant over ${SEEDS} seeds`, async () => {
    const failures: string[] = [];
    const totals: Record<string, number> = {};
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await runSeed(seed);
      for (const [key, value] of Object.entries(result.counts)) totals[key] = (totals[key] ?? 0) + value;
      for (const violation of result.violations) {
        failures.push(
          `seed ${seed}: ${violation.invariant}${violation.executionId ? ` [${violation.executionId}]` : ''}: ` +
            `${violation.detail} (replay: npm run sim -- --seed ${seed})`,
        );
      }
    }
    expect(failures).toEqual([]);
    // The faults were there to survive: process crashes, redrives, reruns and stops.
    expect(totals['process crash (kill -9)']).toBeGreaterThan(0);
    expect(totals['redrives applied (ExecutionRedriven)']).toBeGreaterThan(0);
    expect(totals['operator: rerun sent']).toBeGreaterThan(0);
    expect(totals['operator: stop sent']).toBeGreaterThan(0);
    // ... payloads over the limits, met by the worker SDK and the engine,
    expect(totals['data limit: result over the limit, reported by the worker SDK']).toBeGreaterThan(0);
    expect(totals['data limit: execution input over the limit (engine)']).toBeGreaterThan(0);
    expect(totals['payload: task result over-queue']).toBeGreaterThan(0);
    // ... and waits for events published early, late, twice, delivered twice, and events no one awaits.
    expect(totals['waits: ended by an event']).toBeGreaterThan(0);
    expect(totals['events: early']).toBeGreaterThan(0);
    expect(totals['events: late']).toBeGreaterThan(0);
    expect(totals['events: published twice by the producer (two event ids)']).toBeGreaterThan(0);
    expect(totals['EventBridge duplicate delivery (same event id)']).toBeGreaterThan(0);
    expect(totals['events: decoy published']).toBeGreaterThan(0);
    expect(totals['events: trigger published']).toBeGreaterThan(0);
  }, 120_000);

  it('keeps every invariant on the DynamoDB store (dynalite), every tenth seed', async () => {
    const dynamo = await startDynalite('sim-unused');
    try {
      const tables = {
        client: dynamo.client,
        create: async (name: string) => {
          await createBatonTable(dynamo.client, name);
          return name;
        },
      };
      let offloaded = 0;
      for (let seed = 10; seed <= 100; seed += 10) {
        const result = await runSeed(seed, { tables });
        expect(result.dynamodb).toBe(true);
        expect(result.violations).toEqual([]);
        offloaded += result.counts['store: snapshot offloaded to the payload store'] ?? 0;
      }
      // Snapshots over the store's threshold went to its payload store.
      expect(offloaded).toBeGreaterThan(0);
    } finally {
      await dynamo.close();
    }
  }, 120_000);

  it('replays a seed exactly', async () => {
    const first = await runSeed(4242);
    const second = await runSeed(4242);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.deliveries).toBe(first.deliveries);
    expect(second.violations).toEqual(first.violations);
  });

  it('gives different seeds different runs', async () => {
    const runs = await Promise.all([1, 2, 3].map((seed) => runSeed(seed)));
    expect(new Set(runs.map((run) => run.fingerprint)).size).toBe(3);
  });

  it('catches a store that forgets its outbox (commands lost after a crash between commit and perform)', async () => {
    const forgetful = (store: ExecutionStore): ExecutionStore => ({
      load: (executionId) => store.load(executionId),
      commit: (transition) => store.commit(transition),
      findMessageVersion: (executionId, messageId, searchVersions) =>
        store.findMessageVersion(executionId, messageId, searchVersions),
      loadCommands: async () => undefined,
      history: (executionId, page) => store.history(executionId, page),
      list: (filter) => store.list(filter),
      writeIndex: (summary, version) => store.writeIndex(summary, version),
    });
    // Only what the broken store adds counts: the same seeds on the real store are the baseline.
    const caught = new Set<string>();
    for (let seed = 1; seed <= 15; seed++) {
      const baseline = new Set((await runSeed(seed)).violations.map((violation) => violation.invariant));
      const result = await runSeed(seed, { mutateStore: forgetful });
      for (const violation of result.violations)
        if (!baseline.has(violation.invariant)) caught.add(violation.invariant);
    }
    expect(caught).toContain('execution-terminal');
    expect(caught).toContain('lifecycle-events');
  });

  it('catches a local runtime that keeps only its debounced queue snapshots (a kill -9 loses what it acknowledged)', async () => {
    // The journals make every acknowledged send and delete durable at once; without them, a crash
    // takes the queues back to their last snapshot while the execution store has moved on.
    const stuck: number[] = [];
    for (let seed = 1; seed <= 60 && stuck.length === 0; seed++) {
      const result = await runSeed(seed, { disk: { forgetJournals: true } });
      if (!result.localRuntime || (result.counts['process crash (kill -9)'] ?? 0) === 0) continue;
      const baseline = await runSeed(seed);
      expect(baseline.violations).toEqual([]);
      if (result.violations.some((violation) => violation.invariant === 'execution-terminal'))
        stuck.push(seed);
    }
    expect(stuck).not.toEqual([]);
  });

  it('catches a correlation store that gives its kept events newest first (a wait ends with a later event)', async () => {
    const newestFirst = (store: CorrelationStore): CorrelationStore => ({
      register: (key, token, expiresAt) => store.register(key, token, expiresAt),
      unregister: (key, token) => store.unregister(key, token),
      waiting: (key) => store.waiting(key),
      keepEvent: (key, eventId, event, expiresAt) => store.keepEvent(key, eventId, event, expiresAt),
      keptEvents: async (key) => (await store.keptEvents(key)).reverse(),
    });
    const caught: number[] = [];
    for (let seed = 1; seed <= 80 && caught.length === 0; seed++) {
      const result = await runSeed(seed, { mutateCorrelations: newestFirst });
      if (result.violations.some((violation) => violation.invariant === 'event-wait-first-match'))
        caught.push(seed);
    }
    expect(caught).not.toEqual([]);
  });

  it('catches a correlation store that hands an event to every waiting task, whatever it waits for', async () => {
    const careless = (store: CorrelationStore): CorrelationStore => {
      const keys = new Set<string>();
      return {
        register: (key, token, expiresAt) => {
          keys.add(key);
          return store.register(key, token, expiresAt);
        },
        unregister: (key, token) => store.unregister(key, token),
        waiting: async () => (await Promise.all([...keys].map((key) => store.waiting(key)))).flat(),
        keepEvent: (key, eventId, event, expiresAt) => store.keepEvent(key, eventId, event, expiresAt),
        keptEvents: (key) => store.keptEvents(key),
      };
    };
    const caught = new Set<string>();
    for (let seed = 1; seed <= 80 && caught.size === 0; seed++) {
      const result = await runSeed(seed, { mutateCorrelations: careless });
      for (const violation of result.violations) caught.add(violation.invariant);
    }
    expect(caught).toContain('event-wait-first-match');
  });

  it('catches an execution that ends with another output than runWorkflow gives for the same outcomes', async () => {
    let tampered: string | undefined;
    for (let seed = 1; seed <= 50 && tampered === undefined; seed++) {
      const result = await runSeed(seed);
      const checked = new Set(result.checkedExecutions);
      const execution = result.record.executions.find(
        (candidate) => checked.has(candidate.executionId) && candidate.status === 'SUCCEEDED',
      );
      if (!execution) continue;
      // The simulated execution's recorded output, changed after the fact.
      const history = execution.history.map((event) =>
        event.type === 'ExecutionSucceeded' ? { ...event, output: { tampered: true } } : event,
      );
      const record = {
        ...result.record,
        executions: result.record.executions.map((candidate) =>
          candidate === execution ? { ...candidate, history } : candidate,
        ),
      };
      const { violations } = await checkOutputs(record, result.workflows, new Set());
      expect(violations.map((violation) => [violation.invariant, violation.executionId])).toEqual([
        ['output-oracle', execution.executionId],
      ]);
      tampered = execution.executionId;
    }
    expect(tampered).toBeDefined();
  });
});
