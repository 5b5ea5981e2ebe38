/**
 * `npm start`: runs the PlaceOrder example saga through the in-process runtime, three orders
 * (one that succeeds, one whose payment is declined and is compensated, one out of stock that
 * never gets past its first step), printing each execution's timeline as it happens and its
 * final status.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runWorkflow, type HistoryEvent, type TaskFunction } from '../lambdas/index.js';

const exampleDir = fileURLToPath(new URL('../examples/place-order/', import.meta.url));

interface Order {
  readonly label: string;
  readonly input: Record<string, unknown>;
}

const orders: readonly Order[] = [
  {
    label: 'an order that goes through',
    input: {
      orderId: 'ord-1001',
      customerId: 'cust-42',
      items: [{ sku: 'BOOK-1', quantity: 2 }],
      total: 59.9,
    },
  },
  {
    label: 'a declined payment (the saga compensates)',
    input: {
      orderId: 'ord-1002',
      customerId: 'cust-declined',
      items: [{ sku: 'LAMP-7', quantity: 1 }],
      total: 120,
    },
  },
  {
    label: 'an item out of stock (nothing to compensate)',
    input: {
      orderId: 'ord-1003',
      customerId: 'cust-7',
      items: [{ sku: 'OUT-OF-STOCK', quantity: 1 }],
      total: 15,
    },
  },
];

function describe(event: HistoryEvent): string {
  const parts: string[] = [event.type.padEnd(26)];
  if (event.stateName) parts.push(event.stateName);
  if (event.attempt !== undefined && event.attempt > 1) parts.push(`(attempt ${event.attempt})`);
  if (event.delayMs !== undefined) parts.push(`retry in ${event.delayMs} ms`);
  if (event.error) parts.push(`${event.error}: ${event.cause ?? ''}`);
  return parts.join(' ');
}

async function main(): Promise<void> {
  const definition = await readFile(`${exampleDir}definition.asl.json`, 'utf8');
  const tasksModule = (await import(`${exampleDir}tasks.mjs`)) as { default: Record<string, TaskFunction> };
  console.log('Baton: running the PlaceOrder saga (examples/place-order) in-process, on a virtual clock.\n');
  const statuses: string[] = [];
  for (const order of orders) {
    const orderId = String(order.input.orderId);
    console.log(`▶ ${orderId}: ${order.label}`);
    let start: number | undefined;
    const result = await runWorkflow(definition, order.input, {
      name: orderId,
      stateMachineName: 'PlaceOrder',
      tasks: tasksModule.default,
      onHistoryEvent: (event) => {
        const at = Date.parse(event.timestamp);
        start ??= at;
        console.log(`  ${`+${at - start} ms`.padStart(10)}  ${describe(event)}`);
      },
    });
    const detail =
      result.status === 'SUCCEEDED' ? JSON.stringify(result.output) : `${result.error}: ${result.cause}`;
    console.log(`  ⇒ ${result.status} ${detail}\n`);
    statuses.push(`${orderId} ${result.status}`);
  }
  console.log(`Done: ${statuses.join(', ')}`);
}

await main();
