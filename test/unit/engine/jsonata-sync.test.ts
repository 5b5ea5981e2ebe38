/**
 * The engine runs jsonata 2.0.6 (the version Step Functions documents: "Step Functions supports
 * JSONata version 2.0.6", https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html)
 * in a synchronous form generated from the published package. These tests prove the generated
 * file is exactly that rewrite of the installed package, and that it computes what the published,
 * asynchronous library computes.
 */
import { readFileSync } from 'node:fs';
import asyncJsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { bundledJsonata as jsonata } from '../../../lambdas/engine/jsonata/bundled-jsonata.js';
import { generate, OUTPUT } from '../../../scripts/generate-jsonata-sync.js';

const INPUT = {
  order: {
    id: 'o-1',
    lines: [
      { sku: 'a', qty: 2, price: 5 },
      { sku: 'b', qty: 1, price: 12.5 },
    ],
  },
  tags: ['x', 'y'],
  empty: [],
  nothing: null,
};

const EXPRESSIONS = [
  'order.id',
  '$sum(order.lines.(qty * price))',
  'order.lines[price > 6].sku',
  '$map(order.lines, function($l, $i) { $l.sku & $string($i) })',
  '$filter(order.lines, function($l) { $l.qty > 1 })',
  '$reduce([1, 2, 3, 4], function($a, $b) { $a + $b })',
  '$sort(order.lines, function($a, $b) { $a.price < $b.price }).sku',
  'order.lines^(>price).sku',
  'order.lines{sku: qty}',
  '{"n": $count(tags), "first": tags[0], "e": empty, "z": nothing}',
  '$merge([{"a": 1}, {"b": 2}])',
  '$replace("a-b-c", /-/, function($m) { "+" })',
  '$split("a,b,,c", ",")',
  '$match("ab12cd34", /[0-9]+/).match',
  '[1..4].($ * $)',
  '($x := 3; $y := $x * 2; [$x, $y])',
  '$each({"a": 1, "b": 2}, function($v, $k) { $k & $v })',
  '$single([1, 2, 3], function($v) { $v = 2 })',
  '$sift({"a": 1, "b": 2}, function($v) { $v > 1 })',
  'order.lines.sku ~> $join("|")',
  '$string({"k": [1, 2]})',
  '$formatNumber(1234.5, "#,##0.00")',
  '$fromMillis(0)',
  '$toMillis("2024-01-01T00:00:00Z")',
  'order ~> |lines|{"total": qty * price}|',
  '$exists(order.missing)',
];

describe('the synchronous jsonata the engine runs', () => {
  it('is the rewrite of the installed jsonata package that the generator produces', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(generate());
  });

  it.each(EXPRESSIONS)('gives what the published library gives for %s', async (expression) => {
    const expected: unknown = await asyncJsonata(expression).evaluate(INPUT);
    const actual = jsonata(expression).evaluate(INPUT, undefined, undefined, 0);
    expect(JSON.parse(JSON.stringify(actual ?? null))).toEqual(JSON.parse(JSON.stringify(expected ?? null)));
  });

  it('raises the library errors with their codes', async () => {
    const sync = (() => {
      try {
        jsonata('1 + "a"').evaluate({}, undefined, undefined, 0);
        return undefined;
      } catch (error) {
        return (error as { code: string }).code;
      }
    })();
    await expect(asyncJsonata('1 + "a"').evaluate({})).rejects.toMatchObject({ code: sync });
    expect(sync).toBe('T2002');
  });

  it('reports the evaluation time it is given as $now() and $millis()', () => {
    expect(jsonata('[$now(), $millis()]').evaluate({}, undefined, undefined, 86_400_000)).toEqual([
      '1970-01-02T00:00:00.000Z',
      86_400_000,
    ]);
  });
});
