import { main, type ProgramEnvironment } from '../../cli/program.js';

/** What one CLI call printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the `baton` CLI's entry function in this process (what `bin/baton.ts` calls), capturing
 * what it prints: the same program as `npx baton`, without a process start per call.
 */
export async function runCli(
  args: readonly string[],
  environment: Omit<ProgramEnvironment, 'stdout' | 'stderr'> = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    ...environment,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}
