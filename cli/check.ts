/**
 * `baton check <definition.json>`: what the package's `checkDefinition` reports, as text: the
 * validation issues, then every Task and Compensate resource with where it runs and what the
 * orchestrator is granted for it, then what each Distributed Map's ItemReader and ResultWriter
 * need of S3.
 */
import type { DefinitionCheck } from '../lambdas/contract/definition-check.js';
import { formatTable } from './execution-table.js';

/** The report as lines of text, for a terminal. */
export function formatCheck(name: string, check: DefinitionCheck): string {
  const onAws = check.tasks.filter((task) => task.aws).length;
  const local = check.tasks.filter((task) => task.local !== false).length;
  const lines = [
    `${name}: ${count(check.issues.length, 'validation issue')}, ` +
      `${count(check.tasks.length, 'Task resource')} (${onAws} run on AWS, ${local} locally)`,
  ];
  if (check.issues.length > 0) {
    lines.push('', 'Issues:');
    for (const issue of check.issues) lines.push(`  ${issue.pointer || '/'}: ${issue.message}`);
  }
  if (check.tasks.length > 0) {
    lines.push('', 'Task resources:');
    const table = formatTable(
      ['POINTER', 'RESOURCE', 'AWS', 'LOCAL', 'IAM ACTIONS'],
      check.tasks.map((task) => [
        task.pointer,
        task.resource,
        task.aws ? 'yes' : 'NO',
        task.local === false ? 'no' : task.local,
        task.actions.join(', ') || '-',
      ]),
    );
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  if (check.distributedMaps.length > 0) {
    lines.push('', 'Distributed Map S3 access:');
    const table = formatTable(
      ['POINTER', 'RESOURCE', 'IAM ACTIONS', 'ON'],
      check.distributedMaps.flatMap((access) =>
        access.grants.map((grant) => [
          access.pointer,
          access.resource,
          grant.action,
          grant.resources?.join(', ') ?? 'chosen at run time',
        ]),
      ),
    );
    lines.push(...table.split('\n').map((line) => `  ${line}`));
  }
  const unsupported = check.tasks.filter((task) => !task.aws);
  if (unsupported.length > 0) {
    lines.push(
      '',
      `${count(unsupported.length, 'resource')} would fail when dispatched on AWS. Locally, runWorkflow ` +
        '(`baton run --tasks`) stands in for any resource with a task function.',
    );
  }
  return lines.join('\n');
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
