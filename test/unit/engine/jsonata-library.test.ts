/**
 * The compiler and the validator take the jsonata library as an argument, so that the orchestrator
 * Lambda can load it only for workflows with JSONata states: without it, such a workflow is refused
 * with an error saying so, never compiled half-way; a JSONPath workflow needs none.
 */
import { describe, expect, it } from 'vitest';
import { compileWorkflowWith } from '../../../lambdas/engine/compile.js';
import { assertValidDefinitionWith } from '../../../lambdas/engine/definition-validator.js';
import { compileWorkflow } from '../../../lambdas/engine/compile-workflow.js';
import { validateDefinitionWith } from '../../../lambdas/engine/definition-validator.js';
import type { StateMachineDefinition } from '../../../lambdas/engine/definition.js';
import { bundledJsonata } from '../../../lambdas/engine/jsonata/bundled-jsonata.js';
import { definitionUsesJsonata, JsonataUnavailableError } from '../../../lambdas/engine/jsonata/library.js';
import { validateDefinition } from '../../../lambdas/engine/validate.js';

const jsonPathOnly = {
  StartAt: 'Stamp',
  States: {
    Stamp: { Type: 'Pass', Parameters: { 'id.$': '$.id', note: '{% not an expression here %}' }, End: true },
  },
} satisfies StateMachineDefinition;

/** A JSONPath machine whose only JSONata state is inside a Map's processor. */
const jsonataInsideMap = {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        StartAt: 'Double',
        States: {
          Double: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input * 2 %}', End: true },
        },
      },
      End: true,
    },
  },
} satisfies StateMachineDefinition;

describe('definitionUsesJsonata', () => {
  it('finds QueryLanguage JSONata on the machine, on a state, or on a state nested in a Map or Parallel', () => {
    expect(definitionUsesJsonata({ QueryLanguage: 'JSONata', StartAt: 'A', States: {} })).toBe(true);
    expect(definitionUsesJsonata(jsonataInsideMap)).toBe(true);
    expect(
      definitionUsesJsonata({
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'B', States: { B: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } } },
            ],
            End: true,
          },
        },
      }),
    ).toBe(true);
  });

  it('finds none in a JSONPath definition, even one with {% %} strings, which are plain strings there', () => {
    expect(definitionUsesJsonata(jsonPathOnly)).toBe(false);
    expect(definitionUsesJsonata({ StartAt: 'A', States: {}, QueryLanguage: 'JSONPath' })).toBe(false);
    expect(definitionUsesJsonata('{"QueryLanguage":"JSONata"}')).toBe(false);
  });
});

describe('compileWorkflowWith', () => {
  it('compiles a JSONPath workflow with no jsonata library', () => {
    expect(
      compileWorkflowWith(jsonPathOnly, undefined, assertValidDefinitionWith, { name: 'PathOnly' }).name,
    ).toBe('PathOnly');
  });

  it('refuses a workflow with a JSONata state when given no library, naming the workflow', () => {
    expect(() =>
      compileWorkflowWith(jsonataInsideMap, undefined, assertValidDefinitionWith, { name: 'Doubler' }),
    ).toThrow(JsonataUnavailableError);
    expect(() =>
      compileWorkflowWith(JSON.stringify(jsonataInsideMap), undefined, assertValidDefinitionWith, {
        name: 'Doubler',
      }),
    ).toThrow(
      "The workflow 'Doubler' has JSONata states (QueryLanguage 'JSONata'), and no jsonata library was given to compile it",
    );
  });

  it('compiles it with the library given, as compileWorkflow does with the bundled one', () => {
    const given = compileWorkflowWith(
      structuredClone(jsonataInsideMap),
      bundledJsonata,
      assertValidDefinitionWith,
      { name: 'Doubler' },
    );
    const bundled = compileWorkflow(structuredClone(jsonataInsideMap), { name: 'Doubler' });
    const expression = (workflow: typeof given) =>
      workflow.scopes.get('root/Each/items')?.states.get('Double')?.jsonata?.output;
    expect(expression(given)).toMatchObject({
      type: 'expression',
      expression: { text: '$states.input * 2' },
    });
    expect(expression(bundled)).toMatchObject({
      type: 'expression',
      expression: { text: '$states.input * 2' },
    });
  });
});

describe('validation without a jsonata library', () => {
  it('reports each JSONata expression as not checked, where validateDefinition checks it', () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: { A: { Type: 'Pass', Output: '{% $states.input.( %}', End: true } },
    };
    expect(validateDefinition(definition)).toEqual([
      expect.objectContaining({ pointer: '/States/A/Output', message: expect.stringContaining('S0') }),
    ]);
    expect(validateDefinitionWith(definition, undefined)).toEqual([
      expect.objectContaining({
        pointer: '/States/A/Output',
        message: expect.stringContaining('no jsonata library was given'),
      }),
    ]);
  });
});
