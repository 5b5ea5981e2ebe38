/**
 * The `baton` command line: commands, options and exit codes. `bin/baton.ts` runs it.
 *
 *   baton run <definition.json> [--input '<json>' | --input @input.json] [--tasks ./tasks.mjs]
 *
 * `run` prints exactly one JSON object `{ status, output?, error?, cause? }` on stdout and exits 0
 * for SUCCEEDED, 1 for any other terminal status, 2 for an invalid definition or a usage error
 * (the message, on stderr, names the JSON Pointer of the bad field).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { DefinitionError, runWorkflow, type TaskFunction } from '../../lambdas/index.js';

/** Exit codes of the CLI. */
export const ExitCode = { Succeeded: 0, NotSucceeded: 1, Usage: 2 } as const;

/** A problem with what the user gave: exits 2 with this message. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function readInput(value: string | undefined): Promise<unknown> {
  if (value === undefined) return {};
  const fromFile = value.startsWith('@');
  const text = fromFile ? await readText(value.slice(1), 'input file') : value;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(
      `--input${fromFile ? ` ${value}` : ''} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read the ${what} '${path}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
}

async function loadTasks(path: string | undefined): Promise<Record<string, TaskFunction>> {
  if (path === undefined) return {};
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(`Cannot load the tasks module '${path}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  const tasks = module.default;
  if (typeof tasks !== 'object' || tasks === null) {
    throw new UsageError(
      `The tasks module '${path}' must have a default export mapping Resource strings to functions`,
    );
  }
  for (const [resource, fn] of Object.entries(tasks)) {
    if (typeof fn !== 'function') {
      throw new UsageError(
        `The tasks module '${path}': the entry for '${resource}' is a ${typeof fn}, not a function`,
      );
    }
  }
  return tasks as Record<string, TaskFunction>;
}

async function run(definitionPath: string, options: { input?: string; tasks?: string }): Promise<number> {
  const definition = await readText(definitionPath, 'definition file');
  const input = await readInput(options.input);
  const tasks = await loadTasks(options.tasks);
  const result = await runWorkflow(definition, input, { tasks });
  const printed: Record<string, unknown> = { status: result.status };
  if (result.output !== undefined) printed.output = result.output;
  if (result.error !== undefined) printed.error = result.error;
  if (result.cause !== undefined) printed.cause = result.cause;
  if (result.compensationFailure !== undefined) printed.compensationFailure = result.compensationFailure;
  process.stdout.write(`${JSON.stringify(printed)}\n`);
  return result.status === 'SUCCEEDED' ? ExitCode.Succeeded : ExitCode.NotSucceeded;
}

/** Builds the command tree; `exit` receives the exit code. */
export function buildProgram(exit: (code: number) => void): Command {
  const program = new Command('baton')
    .description('Baton: Step Functions workflows with sagas, on serverless AWS parts you already own')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program
    .command('run')
    .description('Run a workflow definition in-process (virtual clock) and print its result as JSON')
    .argument('<definition>', 'path of the ASL definition (JSON)')
    .option('--input <json>', 'execution input: JSON text, or @file to read it from a file (default: {})')
    .option('--tasks <module>', 'ES module whose default export maps Resource strings to task functions')
    .action(async (definition: string, options: { input?: string; tasks?: string }) => {
      exit(await run(definition, options));
    });
  return program;
}

/** Runs the CLI with `argv` (without the node and script paths). */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = ExitCode.Succeeded;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.Succeeded : ExitCode.Usage;
    }
    if (error instanceof DefinitionError || error instanceof UsageError) {
      process.stderr.write(`baton: ${error.message}\n`);
      return ExitCode.Usage;
    }
    throw error;
  }
  return code;
}
