/**
 * What `npm run corpus:dmap` derives from a Distributed Map definition it has never seen: the
 * execution input, the mocked Task results, the S3 objects its readers read, and the workflows
 * its children run as. Definitions written for this test.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../lambdas/engine/json.js';
import {
  hasDistributedMap,
  planCase,
  seedFor,
  SEEDED_ITEMS,
  workflowScopes,
} from '../../../scripts/corpus-dmap-plan.js';

const distributed = (executionType: 'EXPRESS' | 'STANDARD', states: JsonObject, startAt: string) => ({
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: executionType },
  StartAt: startAt,
  States: states,
});

/** A Lambda finds where the CSV is; the Map reads it; each child calls a Lambda with two columns. */
const csvImport: JsonObject = {
  StartAt: 'Locate',
  States: {
    Locate: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'locate', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Next: 'Rows',
    },
    Rows: {
      Type: 'Map',
      Label: 'Rows',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
        Parameters: { 'Bucket.$': '$.location.bucket_name', 'Key.$': '$.location.file_key' },
      },
      ItemProcessor: distributed(
        'STANDARD',
        {
          Save: {
            Type: 'Task',
            Resource: 'arn:aws:states:::dynamodb:putItem',
            Parameters: {
              TableName: 't',
              Item: { id: { 'S.$': '$.order_id' }, total: { 'N.$': '$.amount' } },
            },
            End: true,
          },
        },
        'Save',
      ),
      Next: 'More?',
    },
    'More?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$[0].NextToken', IsPresent: true, Next: 'Locate' },
        { Variable: '$[0].status', StringEquals: 'DONE', Next: 'Done' },
      ],
      Default: 'Locate',
    },
    Done: { Type: 'Succeed' },
  },
};

describe('planCase', () => {
  const plan = planCase('csv-import', csvImport, 'corpus-dmap-1');

  it('finds Distributed Maps at any depth', () => {
    expect(hasDistributedMap(csvImport)).toBe(true);
    expect(hasDistributedMap({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } })).toBe(false);
  });

  it('mocks every Task but S3, shaped as what reads it: a Lambda payload behind OutputPath', () => {
    expect(plan.mocks.States['csv-import']?.Locate).toEqual({
      Return: {
        Payload: { location: { bucket_name: 'corpus-dmap-1', file_key: 'input/data.json' } },
        StatusCode: 200,
      },
    });
    expect(Object.keys(plan.mocks.States['csv-import/Rows'] ?? {})).toEqual(['Save']);
  });

  it('reads the bucket and key the reader takes from the state, and seeds them once they are known', () => {
    expect(plan.input).toEqual({ location: { bucket_name: 'corpus-dmap-1', file_key: 'input/data.json' } });
    expect(plan.buckets).toEqual(['corpus-dmap-1']);
    // The reader's Bucket and Key come from the state: nothing to seed before a run resolves them.
    expect(plan.seeds).toEqual([]);
    const seed = seedFor(plan.readers.Rows as never, { Bucket: 'b', Key: 'in/rows.csv' });
    expect(seed?.objects).toHaveLength(1);
    const lines = seed?.objects[0]?.body.trim().split('\n') ?? [];
    // A header row with the columns the children read, then the items.
    expect(lines[0]).toBe('order_id,amount');
    expect(lines.slice(1)).toEqual([
      'order_id-1,amount-1',
      'order_id-2,amount-2',
      'order_id-3,amount-3',
      'order_id-4,amount-4',
    ]);
    expect(lines).toHaveLength(SEEDED_ITEMS + 1);
  });

  it("takes a Choice rule's compared value and leaves out a path only tested with IsPresent", () => {
    const withChoice = planCase(
      'choice',
      {
        StartAt: 'Check',
        States: {
          Check: {
            Type: 'Choice',
            Choices: [
              { Variable: '$.NextToken', IsPresent: true, Next: 'Check' },
              { Variable: '$.job.state', StringEquals: 'READY', Next: 'Items' },
            ],
            Default: 'Check',
          },
          Items: {
            Type: 'Map',
            ItemsPath: '$.rows',
            ItemSelector: { 'name.$': '$$.Map.Item.Value.name' },
            ItemProcessor: distributed('EXPRESS', { P: { Type: 'Pass', End: true } }, 'P'),
            End: true,
          },
        },
      },
      'corpus-dmap-2',
    );
    expect(withChoice.input).toEqual({ job: { state: 'READY' }, rows: [{ name: 'x' }, { name: 'x' }] });
  });

  it('seeds readers whose location the definition writes down, in their format', () => {
    const staticReaders = planCase(
      'static',
      {
        StartAt: 'Json',
        States: {
          Json: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:getObject',
              ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['a', 'b'] },
              Parameters: { Bucket: 'given-headers', Key: 'rows.csv' },
            },
            ItemProcessor: distributed('EXPRESS', { P: { Type: 'Pass', End: true } }, 'P'),
            Next: 'Listing',
          },
          Listing: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:listObjectsV2',
              Parameters: { Bucket: 'listed', Prefix: 'in/part-' },
            },
            ItemProcessor: distributed('EXPRESS', { P: { Type: 'Pass', End: true } }, 'P'),
            ResultWriter: {
              Resource: 'arn:aws:states:::s3:putObject',
              Parameters: { Bucket: 'results', Prefix: 'out' },
            },
            End: true,
          },
        },
      },
      'corpus-dmap-3',
    );
    expect([...staticReaders.buckets].sort()).toEqual([
      'corpus-dmap-3',
      'given-headers',
      'listed',
      'results',
    ]);
    const [csv, listing] = staticReaders.seeds;
    // GIVEN headers: no header row in the object.
    expect(csv?.objects[0]?.body.trim().split('\n')[0]).toBe('a-1,b-1');
    expect(listing?.objects.map((object) => object.key)).toEqual([
      'in/part-item-1.json',
      'in/part-item-2.json',
      'in/part-item-3.json',
      'in/part-item-4.json',
    ]);
    expect(JSON.parse(listing?.objects[0]?.body ?? '')).toEqual({ id: 'id-1', name: 'name-1' });
  });
});

describe('workflowScopes', () => {
  it('names children as Baton runs them: <workflow>/<Label or state name>, nested, JSONata inherited', () => {
    const scopes = workflowScopes('w', {
      QueryLanguage: 'JSONata',
      StartAt: 'Outer',
      States: {
        Outer: {
          Type: 'Map',
          ItemProcessor: distributed(
            'STANDARD',
            {
              Inner: {
                Type: 'Map',
                Label: 'InnerRun',
                ItemProcessor: distributed('EXPRESS', { P: { Type: 'Pass', End: true } }, 'P'),
                End: true,
              },
            },
            'Inner',
          ),
          End: true,
        },
      },
    });
    expect(scopes.map((scope) => [scope.workflow, scope.jsonata])).toEqual([
      ['w', true],
      ['w/Outer', true],
      ['w/Outer/InnerRun', true],
    ]);
  });
});
