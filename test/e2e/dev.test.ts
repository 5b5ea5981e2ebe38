/**
 * `baton dev` as a user runs it: the CLI, in the directory of a CDK app of their own
 * (`test/fixtures/dev-app`: one stack, a SagaOrchestrator, a worker), synthesizes the app without
 * the CDK CLI, deploys it onto the local services, and serves the API that the CLI's other
 * commands then use; the app's buckets are in the local S3, where its functions' S3 clients reach
 * them; Ctrl-C stops it with nothing left running, and a restart on the same data
 * finds the executions again. The error paths (no cdk.json, a failing synth, no orchestrator) run
 * in-process through the same `main`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/program.js';
import { BatonClient } from '../../local/api/client.js';

const root = join(import.meta.dirname, '..', '..');
const app = join(root, 'test', 'fixtures', 'dev-app');
const dataDir = mkdtempSync(join(tmpdir(), 'baton-dev-e2e-'));
const SERVING = /Serving (http:\/\/127\.0\.0\.1:\d+)\//;
/** The running instance's local S3, from its .baton/instance.json, and the app's bucket there. */
let s3Endpoint = '';
let reportsBucket = '';

/** An S3 client as a user points one at the local S3 (path-style, any credentials). */
function s3Client(): S3Client {
  return new S3Client({
    endpoint: s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** `baton dev` in the fixture app, as a process of its own; resolves with its URL once it serves. */
async function startDev(...options: string[]): Promise<{
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'bin', 'baton.ts'),
      'dev',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      ...options,
    ],
    { cwd: app, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = SERVING.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`baton dev exited (${code}):\n${output}`)));
  });
  return { child, url, output: () => output, exited };
}

/** Runs the CLI in-process; resolves with its exit code and output. */
async function baton(
  cwd: string,
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

/** Processes (other than this one) whose command line names `path`: the Lambda environments run assets from it. */
function processesUsing(path: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path);
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

async function settled(client: BatonClient, executionId: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await client.describe(executionId).then(
      (description) => description.status,
      () => undefined,
    );
    if (status !== undefined && status !== 'RUNNING') return status;
    if (Date.now() > deadline) throw new Error(`${executionId} is still ${status ?? 'not started'}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('baton dev in a CDK app', () => {
  it('synthesizes and runs the app, serves the CLI and the console, and stops on Ctrl-C with nothing left running', async () => {
    const dev = await startDev();
    try {
      expect(dev.output()).toContain('Deploying 1 stack locally: BatonDevFixture');
      expect(dev.output()).toMatch(
        /domain: +greetings — workflows Check, Greet, Report; workers greet, report/,
      );
      // Inline code is not run locally: reported, and its ARN still given to the definition.
      expect(dev.output()).toMatch(
        /warning: +BatonDevFixture\/Notify\w* \(AWS::Lambda::Function\) is not run locally/,
      );
      // The CLI finds the instance through the app's .baton/instance.json, as after npm start.
      const instance = JSON.parse(readFileSync(join(app, '.baton', 'instance.json'), 'utf8')) as {
        url: string;
        endpoints: { s3: string };
      };
      expect(instance).toMatchObject({
        url: dev.url,
        endpoints: { s3: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) },
      });
      s3Endpoint = instance.endpoints.s3;
      expect(dev.output()).toContain(
        `S3:        ${s3Endpoint} (AWS_ENDPOINT_URL_S3 of the functions; buckets`,
      );
      const started = await baton(app, 'start', 'Greet', '--name', 'ada', '--input', '{"name":"Ada"}');
      expect(started).toMatchObject({ code: 0, stdout: 'Greet:ada\n' });

      const client = new BatonClient(dev.url);
      expect(await settled(client, 'Greet:ada')).toBe('SUCCEEDED');
      expect((await client.describe('Greet:ada')).output).toEqual({
        name: 'Ada',
        greeting: { message: 'Hello, Ada!' },
      });
      // The list reads the status index, written after the transition's commands are performed:
      // on a busy machine it may show the end a moment after describe does.
      let listed = await baton(app, 'list');
      for (let tries = 0; !/Greet:ada +SUCCEEDED/.test(listed.stdout) && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        listed = await baton(app, 'list');
      }
      expect(listed.stdout).toMatch(/Greet:ada +SUCCEEDED/);

      // A changed definition, tried on the running stack before it goes into the app.
      const before = (await client.domains())
        .flatMap((domain) => domain.workflows)
        .find((workflow) => workflow.name === 'Greet');
      const file = join(dataDir, 'greet-v2.json');
      writeFileSync(
        file,
        JSON.stringify({
          StartAt: 'Greet',
          States: {
            Greet: { Type: 'Task', Resource: 'baton:worker:greet', ResultPath: '$.greeting', Next: 'Bye' },
            Bye: { Type: 'Pass', Result: 'Bye!', ResultPath: '$.farewell', End: true },
          },
        }),
      );
      const registered = await baton(app, 'register', 'Greet', file);
      expect(registered.stdout).toMatch(
        new RegExp(
          `^Registered version [0-9a-f]{16} of Greet in domain greetings \\(was ${before?.version}; running executions keep theirs\\)\n$`,
        ),
      );
      await baton(app, 'start', 'Greet', '--name', 'bob', '--input', '{"name":"Bob"}');
      expect(await settled(client, 'Greet:bob')).toBe('SUCCEEDED');
      const bob = await client.describe('Greet:bob');
      expect(bob.output).toMatchObject({ farewell: 'Bye!' });
      expect(bob.workflowVersion).not.toBe(before?.version);
      expect((await client.domains())[0]?.workflows).toContainEqual({
        name: 'Greet',
        version: bob.workflowVersion,
      });
      writeFileSync(
        file,
        JSON.stringify({
          StartAt: 'Pay',
          States: { Pay: { Type: 'Task', Resource: 'baton:worker:payment', End: true } },
        }),
      );
      const refused = await baton(app, 'register', 'Pay', file);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'The domain greetings has no worker payment (its workers: greet, report)',
      );
      // The running instance has no substitutions: a definition that still needs them is refused.
      writeFileSync(
        file,
        JSON.stringify({
          StartAt: 'Send',
          States: {
            Send: {
              Type: 'Task',
              Resource: 'arn:aws:states:::sqs:sendMessage',
              Parameters: { QueueUrl: '${AuditQueueUrl}', MessageBody: 'x' },
              End: true,
            },
          },
        }),
      );
      const unsubstituted = await baton(app, 'register', 'Send', file);
      expect(unsubstituted.code).toBe(2);
      expect(unsubstituted.stderr).toContain('The definition still has the placeholder ${AuditQueueUrl}');

      // A function of the app invoked by lambda:invoke runs here (never on AWS); its module has no
      // handler export: the task fails with the runtime's error, and baton dev prints it.
      await baton(app, 'start', 'Check', '--name', 'c1', '--input', '{}');
      expect(await settled(client, 'Check:c1')).toBe('FAILED');
      expect((await client.describe('Check:c1')).error).toBe('Runtime.HandlerNotFound');
      expect(dev.output()).toContain(
        'error:     baton-dev-fixture-broken: Runtime.HandlerNotFound: index.handler is undefined or not exported',
      );
      // The app's bucket is in the local S3, named as CloudFormation names it; the worker's S3
      // client, made with no configuration, writes, reads and lists there.
      await baton(app, 'start', 'Report', '--name', 'r1', '--input', '{"id":"r1","text":"Hello, bucket"}');
      expect(await settled(client, 'Report:r1')).toBe('SUCCEEDED');
      const report = (await client.describe('Report:r1')).output as { bucket: string };
      expect(report).toEqual({
        bucket: expect.stringMatching(/^batondevfixture-reports[0-9a-z]+$/),
        key: 'reports/r1.txt',
        etag: `"${createHash('md5').update('Hello, bucket').digest('hex')}"`,
        text: 'Hello, bucket',
        firstFive: 'Hello',
        keys: ['reports/r1.txt'],
      });
      reportsBucket = report.bucket;
      const s3 = s3Client();
      try {
        const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name);
        // The orchestrator's payload bucket too: its offloaded snapshots go there.
        expect(buckets).toEqual(
          expect.arrayContaining([
            reportsBucket,
            expect.stringMatching(/^batondevfixture-greetingspayloads/),
          ]),
        );
        const object = await s3.send(new GetObjectCommand({ Bucket: reportsBucket, Key: 'reports/r1.txt' }));
        expect(await object.Body?.transformToString()).toBe('Hello, bucket');
      } finally {
        s3.destroy();
      }
      // A Distributed Map on the orchestrator Lambda's own wiring: it reads the report the worker
      // wrote (S3 through AWS_ENDPOINT_URL_S3), runs EXPRESS children in the function, keeps its
      // Map Run in the domain's table and writes its results to the app's bucket.
      const fanFile = join(dataDir, 'fan.json');
      writeFileSync(
        fanFile,
        JSON.stringify({
          StartAt: 'Fan',
          States: {
            Fan: {
              Type: 'Map',
              ItemReader: {
                Resource: 'arn:aws:states:::s3:listObjectsV2',
                Parameters: { Bucket: reportsBucket, Prefix: 'reports/' },
              },
              ItemSelector: { 'key.$': '$$.Map.Item.Value.Key', 'index.$': '$$.Map.Item.Index' },
              ItemProcessor: {
                ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
                StartAt: 'Read',
                States: {
                  Read: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
                    Parameters: { Bucket: reportsBucket, 'Key.$': '$.key' },
                    ResultSelector: { 'text.$': '$.Body' },
                    End: true,
                  },
                },
              },
              ResultWriter: {
                Resource: 'arn:aws:states:::s3:putObject',
                Parameters: { Bucket: reportsBucket, Prefix: 'fan-results' },
              },
              End: true,
            },
          },
        }),
      );
      expect((await baton(app, 'register', 'Fan', fanFile)).code).toBe(0);
      await baton(app, 'start', 'Fan', '--name', 'f1', '--input', '{}');
      expect(await settled(client, 'Fan:f1')).toBe('SUCCEEDED');
      const fan = (await client.describe('Fan:f1')).output as {
        MapRunArn: string;
        ResultWriterDetails: { Bucket: string; Key: string };
      };
      expect(fan.MapRunArn).toMatch(/:mapRun:Fan\/Fan:[0-9a-f-]{36}$/);
      const results = s3Client();
      try {
        const manifest = JSON.parse(
          (await (
            await results.send(
              new GetObjectCommand({ Bucket: reportsBucket, Key: fan.ResultWriterDetails.Key }),
            )
          ).Body?.transformToString()) ?? '',
        ) as { ResultFiles: { SUCCEEDED: { Key: string }[] } };
        const file = manifest.ResultFiles.SUCCEEDED[0]?.Key ?? '';
        const entries = JSON.parse(
          (await (
            await results.send(new GetObjectCommand({ Bucket: reportsBucket, Key: file }))
          ).Body?.transformToString()) ?? '',
        ) as { Output: string }[];
        expect(entries.map((entry) => JSON.parse(entry.Output))).toEqual([{ text: 'Hello, bucket' }]);
      } finally {
        results.destroy();
      }
      const console = await fetch(`${dev.url}/`);
      expect(console.status).toBe(200);
      expect(await console.text()).toContain('<html');
      // The worker's and the orchestrator's Lambda environments run from the synthesized assets.
      expect(processesUsing(dataDir).length).toBeGreaterThan(0);
    } finally {
      dev.child.kill('SIGINT');
    }
    expect(await dev.exited).toBe(0);
    expect(dev.output()).toContain('Stopped.');
    expect(processesUsing(dataDir)).toEqual([]);
    expect(existsSync(join(app, '.baton', 'instance.json'))).toBe(false);
    // The local S3 stopped with it.
    await expect(fetch(`${s3Endpoint}/`)).rejects.toThrow();
  }, 240_000);

  it('finds its executions again when started anew on the same data, from the assembly it synthesized', async () => {
    const dev = await startDev('--assembly', join(dataDir, 'cdk.out'));
    try {
      const listed = await baton(app, '--url', dev.url, 'list', '--json');
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ executionId: 'Fan:f1', status: 'SUCCEEDED' }),
        expect.objectContaining({ executionId: 'Report:r1', status: 'SUCCEEDED' }),
        expect.objectContaining({ executionId: 'Check:c1', status: 'FAILED' }),
        expect.objectContaining({ executionId: 'Greet:bob', status: 'SUCCEEDED' }),
        expect.objectContaining({ executionId: 'Greet:ada', status: 'SUCCEEDED' }),
      ]);
      // A name is taken for good, as in Step Functions.
      const again = await baton(app, '--url', dev.url, 'start', 'Greet', '--name', 'ada');
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already exists');
      // The buckets' objects are kept too.
      s3Endpoint = (
        JSON.parse(readFileSync(join(app, '.baton', 'instance.json'), 'utf8')) as {
          endpoints: { s3: string };
        }
      ).endpoints.s3;
      const s3 = s3Client();
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: reportsBucket, Key: 'reports/r1.txt' }));
        expect(await object.Body?.transformToString()).toBe('Hello, bucket');
      } finally {
        s3.destroy();
      }
    } finally {
      dev.child.kill('SIGTERM');
    }
    expect(await dev.exited).toBe(0);
    expect(processesUsing(dataDir)).toEqual([]);
  }, 120_000);

  describe('says what is wrong', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'baton-dev-errors-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it('outside a CDK app: no cdk.json (usage error)', async () => {
      const result = await baton(scratch, 'dev', '--port', '0', '--data-dir', join(scratch, 'data-none'));
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`No cdk.json in ${scratch}: run baton dev in your CDK app's directory`);
    });

    it('when the synth fails: the app command and what it printed', async () => {
      const dir = join(scratch, 'failing');
      mkdirSync(dir);
      writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.mjs' }));
      writeFileSync(
        join(dir, 'app.mjs'),
        "console.error('ValidationError: Stack name must match the regular expression'); process.exit(1);\n",
      );
      const result = await baton(dir, 'dev', '--port', '0', '--data-dir', join(scratch, 'data-failing'));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Synthesizing the app failed: `node app.mjs` exited with 1.');
      expect(result.stderr).toContain('ValidationError: Stack name must match the regular expression');
    });

    it('when no stack has a SagaOrchestrator: the stacks it found', async () => {
      const dir = join(scratch, 'plain');
      mkdirSync(dir);
      writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.mjs' }));
      // A cloud assembly as aws-cdk-lib writes it, with one stack holding a queue.
      writeFileSync(
        join(dir, 'app.mjs'),
        [
          "import { writeFileSync } from 'node:fs';",
          'const out = process.env.CDK_OUTDIR;',
          "writeFileSync(`${out}/manifest.json`, JSON.stringify({ version: '48.0.0', artifacts: { Plain: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'Plain.template.json' } } } }));",
          "writeFileSync(`${out}/Plain.template.json`, JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue' } } }));",
        ].join('\n'),
      );
      const result = await baton(dir, 'dev', '--port', '0', '--data-dir', join(scratch, 'data-plain'));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('No stack of the app has a SagaOrchestrator (stacks: Plain)');
    });
  });
});
