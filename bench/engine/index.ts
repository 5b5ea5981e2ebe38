/**
 * The `engine` suite: Baton's in-process `runWorkflow` against aws-local-stepfunctions on the same
 * workflows, inputs and stub tasks, in one process. Reports executions/s and state transitions/s
 * per (workflow x engine), the Baton/peer ratio, and whether the goals are met.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Json } from 'baton';
import {
  formatCount,
  formatRange,
  formatRatio,
  median,
  renderTable,
  timedRound,
  type Round,
} from '../measure.js';
import type { Suite, SuiteContext } from '../suite.js';
import { engines, WrongResultError, type Engine, type PreparedRun } from './engines.js';
import { benchJsonata, JSONATA_RATIO_GOAL, type JsonataFigures } from './jsonata.js';
import { engineWorkflows, passTask, type BenchWorkflow } from './workflows.js';

/** Goal: Baton at least this many times the peer's transitions/s, on every workflow. */
const RATIO_GOAL = 10;
/** Goal: Baton's transitions/s on (a) pass-task. */
const PASS_TASK_GOAL = 200_000;

/** Measured figures of one engine on one workflow. */
interface EngineFigures {
  readonly engine: Engine;
  readonly transitionsPerExecution: number;
  readonly rounds: readonly Round[];
  /** Median executions/s over the rounds. */
  readonly rate: number;
}

/** Measured figures of one workflow on both engines. */
interface WorkflowFigures {
  readonly workflow: BenchWorkflow;
  readonly baton: EngineFigures;
  readonly peer: EngineFigures;
  /** Baton transitions/s over peer transitions/s, medians. */
  readonly ratio: number;
}

/** The engine suite. */
export const engineSuite: Suite = {
  name: 'engine',
  description: 'Baton runWorkflow vs aws-local-stepfunctions: (a) Pass->Task, (b) 10-step saga',
  run: async (context) => {
    const { settings, log } = context;
    log('== suite engine ==');
    log('engines:');
    for (const engine of engines) log(`  ${engine.name.padEnd(5)}  ${engine.title}`);
    log(
      `method: per (workflow x engine) ${settings.warmupMs} ms warm-up, then ${settings.rounds} rounds of ` +
        `${settings.roundMs} ms, the engines alternating round by round; executions run one at a time ` +
        '(each awaited before the next) with synchronous stub tasks; figures are the median round, ' +
        'ranges are min–max over the rounds.',
    );
    log('transitions = states entered per execution (Parallel/Map themselves and every state inside them).');
    const results: WorkflowFigures[] = [];
    for (const workflow of engineWorkflows) results.push(await benchWorkflow(workflow, context));
    const jsonata = await benchJsonata(context);
    report(results, jsonata, log);
  },
};

async function benchWorkflow(
  workflow: BenchWorkflow,
  { settings, log }: SuiteContext,
): Promise<WorkflowFigures> {
  log();
  log(`-- engine ${workflow.label}: ${workflow.description}`);
  const prepared = engines.map((engine) => ({ engine, run: engine.prepare(workflow) }));

  // Correctness first, outside the timed loop: status, output, states entered, and agreement.
  const reference = await verify(workflow, prepared, log);

  for (const { engine, run } of prepared) {
    await timedRound(run.run, settings.warmupMs);
    log(`  warmed up ${engine.name} (${settings.warmupMs} ms)`);
  }
  const rounds = new Map<Engine, Round[]>(prepared.map(({ engine }) => [engine, []]));
  for (let index = 0; index < settings.rounds; index++) {
    // Alternate which engine goes first so that drift (thermal, GC debt) does not favour one.
    const order = index % 2 === 0 ? prepared : [...prepared].reverse();
    for (const { engine, run } of order) {
      const round = await timedRound(run.run, settings.roundMs);
      // Spot-check each round's last output: a full comparison per execution would slow the loop.
      if (!isDeepStrictEqual(round.last, reference.output)) {
        throw new WrongResultError(
          `${engine.name}: ${workflow.label}: round ${index + 1} output differs from the verified one:\n` +
            `  got      ${JSON.stringify(round.last)}\n  expected ${JSON.stringify(reference.output)}`,
        );
      }
      rounds.get(engine)?.push(round);
    }
  }

  const figures = prepared.map(({ engine }): EngineFigures => {
    const engineRounds = rounds.get(engine) ?? [];
    return {
      engine,
      transitionsPerExecution: reference.transitions.get(engine) ?? 0,
      rounds: engineRounds,
      rate: median(engineRounds.map((round) => round.rate)),
    };
  });
  const [batonFigures, peerFigures] = figures as [EngineFigures, EngineFigures];
  const ratio = transitionRate(batonFigures) / transitionRate(peerFigures);
  // Rounds are paired (same index, adjacent in time), which gives a spread for the ratio too.
  const pairedRatios = batonFigures.rounds.map((round, index) => {
    const peerRound = peerFigures.rounds[index] as Round;
    return (
      (round.rate * batonFigures.transitionsPerExecution) /
      (peerRound.rate * peerFigures.transitionsPerExecution)
    );
  });

  log();
  log(
    indent(
      renderTable(
        [
          'engine',
          'transitions/exec',
          'executions/s',
          'min–max',
          'transitions/s',
          'min–max',
          'executions timed',
        ],
        figures.map((f) => {
          const rates = f.rounds.map((round) => round.rate);
          const transitionRates = rates.map((rate) => rate * f.transitionsPerExecution);
          return [
            f.engine.name,
            String(f.transitionsPerExecution),
            formatCount(f.rate),
            formatRange(rates),
            formatCount(transitionRate(f)),
            formatRange(transitionRates),
            formatCount(f.rounds.reduce((sum, round) => sum + round.executions, 0)),
          ];
        }),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
    ),
  );
  log(
    `  ratio baton/peer (transitions/s, medians): ${formatRatio(ratio)}; ` +
      `per-round ratios ${formatRange(pairedRatios, formatRatio)}`,
  );
  return { workflow, baton: batonFigures, peer: peerFigures, ratio };
}

/** What the verification pass established, used as the reference for the timed rounds. */
interface Verified {
  readonly output: Json;
  readonly transitions: ReadonlyMap<Engine, number>;
}

/**
 * Runs the workflow once on each engine, tracing it: each must succeed, pass the workflow's own
 * output check, enter the number of states the definition implies, and agree with the other.
 */
async function verify(
  workflow: BenchWorkflow,
  prepared: readonly { readonly engine: Engine; readonly run: PreparedRun }[],
  log: (line?: string) => void,
): Promise<Verified> {
  const transitions = new Map<Engine, number>();
  let reference: { readonly engine: Engine; readonly output: Json } | undefined;
  for (const { engine, run } of prepared) {
    const traced = await run.trace();
    const problem = workflow.checkOutput(traced.output);
    if (problem !== undefined) throw new WrongResultError(`${engine.name}: ${workflow.label}: ${problem}`);
    if (traced.transitions !== workflow.expectedTransitions) {
      throw new WrongResultError(
        `${engine.name}: ${workflow.label} entered ${traced.transitions} states, the definition implies ` +
          `${workflow.expectedTransitions} (counted by ${run.countedBy})`,
      );
    }
    if (reference === undefined) {
      reference = { engine, output: traced.output };
    } else if (!isDeepStrictEqual(traced.output, reference.output)) {
      throw new WrongResultError(
        `${workflow.label}: the engines' outputs differ:\n` +
          `  ${reference.engine.name}: ${JSON.stringify(reference.output)}\n` +
          `  ${engine.name}: ${JSON.stringify(traced.output)}`,
      );
    }
    transitions.set(engine, traced.transitions);
    log(`  ${engine.name}: ${traced.transitions} states entered, counted as ${run.countedBy}`);
    for (const note of run.notes) log(`  ${engine.name}: note: ${note}`);
  }
  if (reference === undefined) throw new Error('no engine to verify with');
  log(
    `  check: both SUCCEEDED with identical outputs; ${workflow.expectedTransitions} states entered ` +
      'on each, as the definition implies',
  );
  return { output: reference.output, transitions };
}

function report(
  results: readonly WorkflowFigures[],
  jsonata: JsonataFigures,
  log: (line?: string) => void,
): void {
  log();
  log('== summary (engine) ==');
  for (const { workflow, baton, peer, ratio } of results) {
    log(
      `engine ${workflow.label}: baton ${formatCount(transitionRate(baton))} transitions/s, ` +
        `peer ${formatCount(transitionRate(peer))} transitions/s, ratio ${formatRatio(ratio)}`,
    );
  }
  log(`goal: >= ${RATIO_GOAL}x peer on both; >= ${formatCount(PASS_TASK_GOAL)} transitions/s for (a)`);
  for (const { workflow, ratio } of results) {
    log(
      `  >= ${RATIO_GOAL}x peer on ${workflow.label}: ${metOrNot(ratio >= RATIO_GOAL)} (${formatRatio(ratio)})`,
    );
  }
  const passTaskFigures = results.find((result) => result.workflow === passTask);
  if (passTaskFigures) {
    const rate = transitionRate(passTaskFigures.baton);
    log(
      `  >= ${formatCount(PASS_TASK_GOAL)} transitions/s on ${passTask.label}: ` +
        `${metOrNot(rate >= PASS_TASK_GOAL)} (${formatCount(rate)})`,
    );
  }
  log(
    `engine (b) saga in JSONata: baton ${formatCount(jsonata.jsonataRate)} transitions/s, ` +
      `JSONPath ${formatCount(jsonata.jsonPathRate)}, ratio ${formatRatio(jsonata.ratio)}`,
  );
  log(
    `  >= ${formatRatio(JSONATA_RATIO_GOAL)} of JSONPath for (b) in JSONata: ` +
      `${metOrNot(jsonata.ratio >= JSONATA_RATIO_GOAL)} (${formatRatio(jsonata.ratio)})`,
  );
}

function transitionRate(figures: EngineFigures): number {
  return figures.rate * figures.transitionsPerExecution;
}

function metOrNot(met: boolean): string {
  return met ? 'met' : 'NOT met';
}

function indent(block: string): string {
  return block
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
