/**
 * Which stacks of an assembly `baton dev` deploys: every stack with a SagaOrchestrator, known by
 * the outputs the construct writes for each domain (`<Prefix>InboxQueueUrl`, see
 * `lambdas/contract/stack-outputs.ts`), and the stacks they depend on, in the order CloudFormation
 * would deploy them (a dependency before its dependents).
 */
import { StackOutput } from '../../lambdas/contract/stack-outputs.js';
import type { AssemblyStack, CloudAssembly } from './cloud-assembly.js';
import { NoOrchestratorError } from './errors.js';

/** Whether the stack's template has a SagaOrchestrator's outputs. */
export function hasOrchestrator(stack: AssemblyStack): boolean {
  return Object.keys(stack.template.Outputs ?? {}).some(
    (key) => key.includes(StackOutput.inboxQueueUrl) && !key.includes(StackOutput.publicInboxQueueUrl),
  );
}

/**
 * The names of the stacks to deploy, dependencies first: those with an orchestrator (all of
 * them, or those named in `only`) and everything they depend on. NoOrchestratorError when none
 * has one; an unknown name in `only` is one too, naming the stacks that have one.
 */
export function orchestratorStacks(assembly: CloudAssembly, only: readonly string[] = []): string[] {
  const withOrchestrator = [...assembly.stacks.values()].filter(hasOrchestrator).map((s) => s.stackName);
  if (withOrchestrator.length === 0) {
    const names = [...assembly.stacks.keys()];
    throw new NoOrchestratorError(
      `No stack of the app has a SagaOrchestrator (${names.length === 0 ? 'the app has no stacks' : `stacks: ${names.join(', ')}`}): add one from baton/cdk to a stack, or run baton dev in another app`,
    );
  }
  for (const name of only) {
    if (!withOrchestrator.includes(name)) {
      throw new NoOrchestratorError(
        `The stack ${name} ${assembly.stacks.has(name) ? 'has no SagaOrchestrator' : 'is not in the app'}; the stacks with one: ${withOrchestrator.join(', ')}`,
      );
    }
  }
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (order.includes(name) || visiting.has(name)) return;
    visiting.add(name);
    for (const dependency of assembly.stacks.get(name)?.dependencies ?? []) visit(dependency);
    order.push(name);
  };
  for (const name of only.length > 0 ? only : withOrchestrator) visit(name);
  return order;
}
