/**
 * The Baton console: the executions list (`#/`) and an execution's page (`#/executions/<id>`) with
 * its graph, laid out by dagre and drawn as SVG, coloured by each state's status; the selected
 * state's runs (input, output, error, the variables it assigned); the compensations; the timeline;
 * the execution's current variables; and Redrive, Rerun, Stop buttons. Everything it
 * shows comes from the local API (through the CLI's client); `/api/stream` tells it when to fetch
 * again.
 *
 * Browser code: bundled by esbuild with the pure modules it imports (the engine's statuses, the
 * control's rules, durations, the API client); dagre is the global of `/vendor/dagre.min.js`. Text
 * from executions only ever enters the page as text nodes.
 */
import type Dagre from '@dagrejs/dagre';
import type { EdgeLabel, GraphLabel, NodeLabel, Point } from '@dagrejs/dagre';
import { ExecutionStatus, type HistoryEvent } from '../../lambdas/engine/execution.js';
import type { Json } from '../../lambdas/engine/json.js';
import { BatonClient } from '../api/client.js';
import { formatDuration } from '../api/duration.js';
import { REDRIVABLE_STATUSES, isStoppable } from '../api/execution-actions.js';
import type { ExecutionDescription, MapRunCountsByStatus, MapRunDescription } from '../control.js';
import {
  END_NODE,
  START_NODE,
  StateStatus,
  buildGraph,
  compensations,
  runProgress,
  stateRuns,
  stateStatuses,
  timelineRows,
  traversal,
  type Graph,
  type GraphGroup,
  type StateRun,
  type Traversal,
} from './graph-model.js';

/** dagre's browser bundle, loaded by index.html before this script. */
declare const dagre: typeof Dagre;

const SVG = 'http://www.w3.org/2000/svg';
const STATUSES: readonly ExecutionStatus[] = Object.values(ExecutionStatus);
const REFRESH_DELAY_MS = 120;

const api = new BatonClient(location.origin);

/** An element index.html has. */
function pageElement(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element;
}

const app = pageElement('app');
const live = pageElement('live');

interface Loaded {
  readonly description: ExecutionDescription;
  readonly history: readonly HistoryEvent[];
  readonly graph: Graph;
  /** Its Map Runs (Distributed Maps), described. */
  readonly mapRuns: readonly MapRunDescription[];
}

/** How often an execution's page is fetched again while one of its Map Runs runs. */
const MAP_RUN_REFRESH_MS = 1000;

/** What survives re-rendering: filters, the selected state, the last notice, the rerun input. */
const view: {
  filters: { workflow: string; status: ExecutionStatus | ''; businessKey: string };
  executionId: string | undefined;
  selected: string | undefined;
  notice: { text: string; error?: boolean } | undefined;
  rerunInput: string;
  loaded: Loaded | undefined;
} = {
  filters: { workflow: '', status: '', businessKey: '' },
  executionId: undefined,
  selected: undefined,
  notice: undefined,
  rerunInput: '',
  loaded: undefined,
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The status named `value`, or '' (any status). */
function statusNamed(value: string): ExecutionStatus | '' {
  return STATUSES.find((status) => status === value) ?? '';
}

// ------------------------------------------------------------------ DOM helpers

/** What `h` and `s` take as children: nodes, text, nested lists, and the skipped parts of conditions. */
type Child = Node | string | number | undefined | null | false | readonly Child[];

/** Attributes; `on*` functions become listeners, `true` an empty attribute, `false`/`undefined` none. */
type Attributes = Readonly<Record<string, string | number | boolean | undefined | ((event: Event) => void)>>;

/** An element with attributes and children (strings become text). */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  element.append(...present(children));
  return element;
}

/** An SVG element with attributes and children. */
function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  setAttributes(element, attributes);
  element.append(...present(children));
  return element;
}

/** An arrowhead for the graph's edges, referenced as `url(#id)`. */
function arrowMarker(id: string, colour: string): SVGMarkerElement {
  return s(
    'marker',
    {
      id,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    },
    s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: colour }),
  );
}

/** Replaces the children of `element`. */
function fill(element: Element, ...children: Child[]): void {
  element.replaceChildren(...present(children));
}

/** Children flattened, without the `undefined`, `null` and `false` of conditional parts. */
function present(children: readonly Child[]): (Node | string)[] {
  const flat: (Node | string)[] = [];
  for (const child of children) {
    if (typeof child === 'string' || child instanceof Node) flat.push(child);
    else if (typeof child === 'number') flat.push(String(child));
    else if (child !== undefined && child !== null && child !== false) flat.push(...present(child));
  }
  return flat;
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') {
      if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
}

/** The value of the form field an event happened on. */
function fieldValue(event: Event): string {
  const field = event.currentTarget;
  return field instanceof HTMLInputElement ||
    field instanceof HTMLSelectElement ||
    field instanceof HTMLTextAreaElement
    ? field.value
    : '';
}

function badge(status: ExecutionStatus): HTMLSpanElement {
  return h('span', { class: `badge ${status}`, 'data-status': status }, status);
}

function json(value: Json | undefined): HTMLPreElement {
  return h('pre', {}, value === undefined ? '—' : JSON.stringify(value, null, 2));
}

/**
 * Workflow variables as a two-column table, `$name` and its value (pretty JSON). `values` holds
 * each value as JSON text (as history events report them) or as a value (as a description does).
 */
function variablesTable(
  attributes: Attributes,
  values: Readonly<Record<string, string>> | Readonly<Record<string, Json>>,
  asText: boolean,
): HTMLTableElement {
  return h(
    'table',
    { class: 'variables', ...attributes },
    h(
      'tbody',
      {},
      Object.entries(values).map(([name, value]) =>
        h(
          'tr',
          { 'data-variable': name },
          h('th', { class: 'mono' }, `$${name}`),
          h('td', {}, asText ? jsonText(value as string) : json(value as Json)),
        ),
      ),
    ),
  );
}

/** A value's JSON text, pretty-printed when it parses (it always should), else as it is. */
function jsonText(text: string): HTMLPreElement {
  try {
    return json(JSON.parse(text) as Json);
  } catch {
    return h('pre', {}, text);
  }
}

function time(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '';
}

// ------------------------------------------------------------------ routing and live updates

function route(): void {
  const hash = location.hash;
  if (hash.startsWith('#/executions/')) {
    const id = decodeURIComponent(hash.slice('#/executions/'.length));
    if (id !== view.executionId) {
      view.selected = undefined;
      view.notice = undefined;
      view.rerunInput = '';
    }
    view.executionId = id;
    void loadExecution();
  } else {
    view.executionId = undefined;
    showList();
  }
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
/** Fetches again soon after a change of `executionId` (of any execution, when not given). */
function scheduleRefresh(executionId?: string, delayMs = REFRESH_DELAY_MS): void {
  if (view.executionId !== undefined && executionId !== view.executionId) return;
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    if (view.executionId === undefined) void loadList();
    else void loadExecution();
  }, delayMs);
}

function connectStream(): void {
  const source = new EventSource('/api/stream');
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.classList.add('on');
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.classList.remove('on');
  });
  source.addEventListener('execution', (event) => {
    // `{ executionId, status }`, as the server writes it.
    const change: { executionId?: unknown } = JSON.parse((event as MessageEvent<string>).data);
    scheduleRefresh(typeof change.executionId === 'string' ? change.executionId : '');
  });
}

// ------------------------------------------------------------------ executions list

let listBody: HTMLElement | undefined;

function showList(): void {
  const { filters } = view;
  const workflowSelect = h('select', {
    name: 'workflow',
    onchange: (event) => {
      filters.workflow = fieldValue(event);
      void loadList();
    },
  });
  workflowSelect.append(h('option', { value: '' }, 'All workflows'));
  void api.domains().then((domains) => {
    for (const domain of domains) {
      for (const workflow of domain.workflows) {
        workflowSelect.append(
          h('option', { value: workflow.name, selected: workflow.name === filters.workflow }, workflow.name),
        );
      }
    }
  });
  const statusSelect = h(
    'select',
    {
      name: 'status',
      onchange: (event) => {
        filters.status = statusNamed(fieldValue(event));
        void loadList();
      },
    },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((status) => h('option', { value: status, selected: status === filters.status }, status)),
  );
  const keyInput = h('input', {
    name: 'businessKey',
    placeholder: 'e.g. ord-1001',
    value: filters.businessKey,
    oninput: (event) => {
      filters.businessKey = fieldValue(event).trim();
      scheduleRefresh();
    },
  });
  listBody = h('div', { id: 'executions' }, h('p', { class: 'empty' }, 'Loading…'));
  fill(
    app,
    h('h1', {}, 'Executions'),
    h(
      'form',
      { class: 'filters', onsubmit: (event) => event.preventDefault() },
      h('label', {}, 'Workflow', workflowSelect),
      h('label', {}, 'Status', statusSelect),
      h('label', {}, 'Business key', keyInput),
    ),
    listBody,
  );
  void loadList();
}

async function loadList(): Promise<void> {
  const body = listBody;
  if (!body) return;
  const { workflow, status, businessKey } = view.filters;
  let executions: Awaited<ReturnType<BatonClient['list']>>;
  try {
    executions = await api.list({
      workflow: workflow || undefined,
      status: status || undefined,
      businessKey: businessKey || undefined,
    });
  } catch (error) {
    fill(body, h('p', { class: 'notice error' }, messageOf(error)));
    return;
  }
  if (executions.length === 0) {
    fill(body, h('p', { class: 'empty' }, 'No executions match.'));
    return;
  }
  fill(
    body,
    h(
      'table',
      { class: 'executions' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Execution', 'Workflow', 'Status', 'Started', 'Duration', 'Business key', 'Error'].map((title) =>
            h('th', {}, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        executions.map((execution) =>
          h(
            'tr',
            { 'data-execution': execution.executionId },
            h(
              'td',
              {},
              h('a', { href: `#/executions/${encodeURIComponent(execution.executionId)}` }, execution.name),
            ),
            h('td', {}, execution.workflow),
            h('td', {}, badge(execution.status)),
            h('td', { class: 'mono' }, time(execution.startTime)),
            h(
              'td',
              {},
              execution.stopTime
                ? formatDuration(Date.parse(execution.stopTime) - Date.parse(execution.startTime))
                : '',
            ),
            h('td', {}, execution.businessKey ?? ''),
            h('td', {}, execution.error ?? ''),
          ),
        ),
      ),
    ),
  );
}

// ------------------------------------------------------------------ execution page

async function loadExecution(): Promise<void> {
  listBody = undefined;
  const id = view.executionId;
  if (id === undefined) return;
  let description: ExecutionDescription;
  let history: HistoryEvent[];
  let mapRuns: MapRunDescription[];
  try {
    [description, history] = await Promise.all([api.describe(id), api.history(id)]);
    mapRuns = await Promise.all((description.mapRuns ?? []).map((arn) => api.describeMapRun(arn)));
  } catch (error) {
    fill(
      app,
      h('p', {}, h('a', { href: '#/' }, '← Executions')),
      h('p', { class: 'notice error' }, messageOf(error)),
    );
    return;
  }
  if (id !== view.executionId) return;
  view.loaded = { description, history, graph: buildGraph(description.definition), mapRuns };
  renderExecution();
  // A Map Run's children change no state of this execution: look again while one runs.
  if (mapRuns.some((run) => run.status === 'RUNNING')) scheduleRefresh(id, MAP_RUN_REFRESH_MS);
}

/** A link to an execution's page. */
function executionLink(executionId: string): HTMLElement {
  return h('a', { href: `#/executions/${encodeURIComponent(executionId)}`, class: 'mono' }, executionId);
}

function renderExecution(): void {
  if (!view.loaded) return;
  const { description, history, graph } = view.loaded;
  const statuses = stateStatuses(history);
  const runs = stateRuns(history);
  const { stopTime, compensationFailure: undoing } = description;
  const meta: [label: string, value: string | Node][] = [
    [
      'Workflow',
      `${description.workflow} (version ${description.workflowVersion}) · domain ${description.domain}`,
    ],
    ['Started', time(description.startTime)],
  ];
  if (stopTime) {
    const took = formatDuration(Date.parse(stopTime) - Date.parse(description.startTime));
    meta.push(['Stopped', `${time(stopTime)} · after ${took}`]);
  }
  if (description.businessKey) meta.push(['Business key', description.businessKey]);
  if (description.redriveCount > 0) meta.push(['Redriven', `${description.redriveCount} times`]);
  // The trace of its start (on AWS, with tracing on): later steps' traces are linked to it in X-Ray.
  if (description.traceId) meta.push(['X-Ray trace', description.traceId]);
  if (description.error) {
    meta.push(['Error', `${description.error}${description.cause ? `: ${description.cause}` : ''}`]);
  }
  // The parent-child links of `states:startExecution`, both ways.
  const { parent, children } = description;
  if (parent) {
    meta.push([
      'Parent',
      h(
        'span',
        {},
        executionLink(parent.executionId),
        ` · ${parent.integration}${parent.domain ? ` · domain ${parent.domain}` : ''}`,
      ),
    ]);
    if (parent.mapRun) {
      meta.push([
        'Map Run',
        h(
          'span',
          { id: 'parent-map-run', class: 'mono' },
          `${parent.mapRun.mapRunArn} · child ${parent.mapRun.child}`,
        ),
      ]);
    }
  }
  if (children && children.length > 0) {
    meta.push([
      'Children',
      h(
        'span',
        { id: 'children' },
        children.map((child, index) => [
          index > 0 ? ', ' : '',
          executionLink(child.executionId),
          ` (${child.stateName})`,
        ]),
      ),
    ]);
  }
  if (undoing) {
    meta.push(['Compensation', `undoing ${undoing.stateName} failed: ${undoing.error}: ${undoing.cause}`]);
  }
  const details = h('div', { class: 'details', id: 'details' });
  const graphPanel = h(
    'div',
    { class: 'graph-panel' },
    h(
      'div',
      { class: 'legend' },
      Object.values(StateStatus).map((status) =>
        h('span', {}, h('i', { class: status }), status.replace('-', ' ')),
      ),
    ),
    h('div', { id: 'graph' }, drawGraph(graph, statuses, traversal(graph, history))),
  );
  fill(
    app,
    h('p', {}, h('a', { href: '#/' }, '← Executions')),
    h(
      'h1',
      {},
      h('span', { class: 'mono', id: 'execution-id' }, description.executionId),
      badge(description.status),
    ),
    h(
      'dl',
      { class: 'meta' },
      meta.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]),
    ),
    actionBar(description, graph),
    h('div', { class: 'columns' }, graphPanel, details),
    compensationSection(history),
    mapRunSection(view.loaded.mapRuns),
    h('h2', {}, 'Timeline'),
    timelineTable(history),
    h('h2', {}, 'Input'),
    json(description.input),
    description.output !== undefined && h('h2', {}, 'Output'),
    description.output !== undefined && json(description.output),
    description.variables !== undefined && h('h2', {}, 'Variables'),
    description.variables !== undefined && variablesTable({ id: 'variables' }, description.variables, false),
  );
  renderDetails(details, view.loaded, statuses, runs);
}

function actionBar(description: ExecutionDescription, graph: Graph): HTMLDivElement {
  const node = graph.nodes.find((candidate) => candidate.id === view.selected);
  /** The state to rerun from: a top-level one. */
  const selected = node?.kind === 'state' && node.topLevel ? node : undefined;
  const act = (label: string, work: () => Promise<string | undefined>) => async () => {
    view.notice = { text: `${label}…` };
    try {
      const next = await work();
      view.notice = { text: `${label}: done` };
      if (next) {
        location.hash = `#/executions/${encodeURIComponent(next)}`;
        return;
      }
    } catch (error) {
      view.notice = { text: `${label} failed: ${messageOf(error)}`, error: true };
    }
    await loadExecution();
  };
  const id = description.executionId;
  const running = isStoppable(description.status);
  return h(
    'div',
    { class: 'actions' },
    h(
      'button',
      {
        id: 'redrive',
        disabled: !REDRIVABLE_STATUSES.has(description.status),
        title: 'Resume where it failed',
        onclick: act('Redrive', () => api.redrive(id).then(() => undefined)),
      },
      'Redrive',
    ),
    h(
      'button',
      {
        id: 'rerun',
        disabled: !selected,
        title: selected ? '' : 'Select a top-level state in the graph first',
        onclick: act('Rerun', async () => {
          if (!selected) return undefined;
          const text = view.rerunInput.trim();
          const input: Json | undefined = text ? JSON.parse(text) : undefined;
          return api.rerun(id, { fromState: selected.stateName, ...(input !== undefined ? { input } : {}) });
        }),
      },
      selected ? `Rerun from ${selected.stateName}` : 'Rerun from selected state',
    ),
    h(
      'button',
      {
        id: 'stop',
        class: 'danger',
        disabled: !running,
        onclick: act('Stop', () => api.stop(id).then(() => undefined)),
      },
      'Stop',
    ),
    h(
      'button',
      {
        id: 'stop-compensate',
        class: 'danger',
        disabled: !running,
        onclick: act('Stop and compensate', () => api.stop(id, { compensate: true }).then(() => undefined)),
      },
      'Stop and compensate',
    ),
    view.notice &&
      h('span', { class: `notice${view.notice.error ? ' error' : ''}`, id: 'notice' }, view.notice.text),
  );
}

function renderDetails(
  container: HTMLElement,
  loaded: Loaded,
  statuses: ReadonlyMap<string, StateStatus>,
  runs: readonly StateRun[],
): void {
  const { graph, history } = loaded;
  const node = graph.nodes.find((candidate) => candidate.id === view.selected);
  if (!node || node.kind !== 'state') {
    fill(
      container,
      h('h3', {}, 'State details'),
      h(
        'p',
        { class: 'empty' },
        'Click a state in the graph to see its input, output, error and the variables it assigned.',
      ),
    );
    return;
  }
  const status = statuses.get(node.stateName) ?? StateStatus.NotRun;
  const own = runs.filter((run) => run.stateName === node.stateName);
  const undo = compensations(history).filter((entry) => entry.stateName === node.stateName);
  fill(
    container,
    h(
      'h3',
      {},
      `${node.stateName} `,
      h('span', { class: 'label' }, `${node.type} · ${status.replace('-', ' ')}`),
    ),
    own.length === 0 && h('p', { class: 'empty' }, 'This state has not run.'),
    own.map((run, index) =>
      h(
        'div',
        { class: 'run', 'data-run': index },
        h(
          'div',
          { class: 'label' },
          [
            `Run ${index + 1}`,
            run.iteration !== undefined ? `item ${run.iteration}` : '',
            run.status.replace('-', ' '),
            runProgress(run, loaded.description),
            run.attempts > 1 ? `${run.attempts} attempts` : '',
          ]
            .filter(Boolean)
            .join(' · '),
        ),
        run.retries.map((retry) =>
          h(
            'div',
            { class: 'label' },
            `↻ retry: attempt ${retry.attempt} after ${retry.error ?? 'an error'}, waited ${formatDuration(retry.delayMs ?? 0)}`,
          ),
        ),
        h('div', { class: 'label' }, 'Input'),
        h('div', { class: 'state-input' }, json(run.input)),
        run.output !== undefined && h('div', { class: 'label' }, 'Output'),
        run.output !== undefined && h('div', { class: 'state-output' }, json(run.output)),
        run.assignedVariables !== undefined && h('div', { class: 'label' }, 'Variables assigned'),
        run.assignedVariables !== undefined &&
          variablesTable({ class: 'variables state-variables' }, run.assignedVariables, true),
        run.error !== undefined && h('div', { class: 'label' }, 'Error'),
        run.error !== undefined &&
          h(
            'div',
            { class: 'state-error' },
            h('pre', {}, `${run.error}${run.cause ? `: ${run.cause}` : ''}`),
          ),
      ),
    ),
    undo.map((entry) =>
      h(
        'div',
        { class: 'run compensation' },
        h('div', { class: 'label' }, `Compensation with ${entry.resource} · ${entry.status}`),
        json(entry.input),
        entry.error !== undefined && h('pre', {}, `${entry.error}: ${entry.cause ?? ''}`),
      ),
    ),
    node.topLevel &&
      h(
        'div',
        { class: 'run' },
        h(
          'div',
          { class: 'label' },
          `Rerun input for ${node.stateName} (JSON; empty: the input it got in this run)`,
        ),
        h(
          'textarea',
          {
            id: 'rerun-input',
            oninput: (event) => {
              view.rerunInput = fieldValue(event);
            },
          },
          view.rerunInput,
        ),
      ),
  );
}

function select(nodeId: string): void {
  view.selected = nodeId;
  renderExecution();
}

function compensationSection(history: readonly HistoryEvent[]): HTMLElement | undefined {
  const list = compensations(history);
  if (list.length === 0) return undefined;
  return h(
    'section',
    { id: 'compensations' },
    h('h2', {}, 'Compensations'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Undid', 'With', 'Status', 'Took', 'Error'].map((title) => h('th', {}, title)),
        ),
      ),
      h(
        'tbody',
        {},
        list.map((entry) =>
          h(
            'tr',
            { class: `tone-${entry.status === 'failed' ? 'failed' : 'compensation'}` },
            h('td', {}, entry.stateName),
            h('td', { class: 'mono' }, entry.resource ?? ''),
            h('td', {}, entry.status),
            h('td', {}, entry.endedAt !== undefined ? formatDuration(entry.endedAt - entry.startedAt) : ''),
            h('td', {}, entry.error ? `${entry.error}: ${entry.cause ?? ''}` : ''),
          ),
        ),
      ),
    ),
  );
}

/** The statuses a Map Run counts, in the order the progress bar shows them. */
const MAP_RUN_COUNTS: readonly (readonly [keyof MapRunCountsByStatus, string])[] = [
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['timedOut', 'Timed out'],
  ['aborted', 'Aborted'],
  ['running', 'Running'],
  ['pending', 'Pending'],
];

/** The Map Runs of the execution's Distributed Maps: status, progress, counts, children, results. */
function mapRunSection(mapRuns: readonly MapRunDescription[]): HTMLElement | undefined {
  if (mapRuns.length === 0) return undefined;
  return h(
    'section',
    { id: 'map-runs' },
    h('h2', {}, 'Map Runs'),
    mapRuns.map((run) =>
      h(
        'div',
        { class: 'map-run', 'data-map-run': run.mapRunArn },
        h(
          'h3',
          {},
          `${run.label} `,
          badge(run.status as ExecutionStatus),
          h('span', { class: 'label' }, ` ${run.stateName} · ${run.executionType} children`),
        ),
        h('div', { class: 'mono label' }, run.mapRunArn),
        progressBar(run.itemCounts),
        run.error !== undefined &&
          h('p', { class: 'notice error' }, `${run.error}${run.cause ? `: ${run.cause}` : ''}`),
        h(
          'table',
          { class: 'map-run-counts' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, ''),
              MAP_RUN_COUNTS.map(([, title]) => h('th', {}, title)),
              h('th', {}, 'Total'),
            ),
          ),
          h(
            'tbody',
            {},
            (
              [
                ['items', 'Items', run.itemCounts],
                ['executions', 'Child executions', run.executionCounts],
              ] as const
            ).map(([kind, title, counts]) =>
              h(
                'tr',
                { 'data-counts': kind },
                h('th', {}, title),
                MAP_RUN_COUNTS.map(([field]) => h('td', { 'data-count': field }, counts[field])),
                h('td', { 'data-count': 'total' }, counts.total),
              ),
            ),
          ),
        ),
        run.resultWriterDetails !== undefined &&
          h(
            'p',
            { class: 'results' },
            'Results: ',
            h(
              'span',
              { class: 'mono', 'data-manifest': '' },
              `s3://${run.resultWriterDetails.bucket}/${run.resultWriterDetails.key}`,
            ),
          ),
        mapRunChildren(run),
      ),
    ),
  );
}

/** A bar of the items by status, each part as wide as its share of the total. */
function progressBar(counts: MapRunCountsByStatus): HTMLElement {
  const total = Math.max(counts.total, 1);
  const ended = counts.succeeded + counts.failed + counts.timedOut + counts.aborted;
  return h(
    'div',
    {
      class: 'progress',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': counts.total,
      'aria-valuenow': ended,
      title: `${ended} of ${counts.total} items ended`,
    },
    MAP_RUN_COUNTS.filter(([field]) => counts[field] > 0).map(([field, title]) =>
      h('span', {
        class: `part ${field}`,
        'data-part': field,
        style: `width: ${((counts[field] / total) * 100).toFixed(2)}%`,
        title: `${title}: ${counts[field]}`,
      }),
    ),
  );
}

/** The run's first children: links to STANDARD ones (executions of their own), EXPRESS outcomes. */
function mapRunChildren(run: MapRunDescription): HTMLElement | undefined {
  if (run.children.length === 0) return undefined;
  const more = run.executionCounts.total - run.children.length;
  return h(
    'details',
    { class: 'map-run-children', open: run.children.length <= 20 },
    h(
      'summary',
      {},
      `Children (${run.children.length}${more > 0 ? ` of ${run.executionCounts.total}` : ''})`,
    ),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['#', 'Status', 'Items', 'Execution', 'Error'].map((title) => h('th', {}, title)),
        ),
      ),
      h(
        'tbody',
        {},
        run.children.map((child) =>
          h(
            'tr',
            { 'data-child': child.child },
            h('td', {}, child.child),
            h('td', {}, badge(child.status as ExecutionStatus)),
            h(
              'td',
              {},
              child.firstItem === undefined || child.items === undefined
                ? ''
                : child.items === 1
                  ? String(child.firstItem)
                  : `${child.firstItem}–${child.firstItem + child.items - 1}`,
            ),
            h(
              'td',
              {},
              child.executionId !== undefined
                ? executionLink(child.executionId)
                : h('span', { class: 'mono' }, child.name),
            ),
            h(
              'td',
              {},
              child.error !== undefined ? `${child.error}${child.cause ? `: ${child.cause}` : ''}` : '',
            ),
          ),
        ),
      ),
    ),
  );
}

function timelineTable(history: readonly HistoryEvent[]): HTMLTableElement {
  return h(
    'table',
    { id: 'timeline' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Time', 'Event', 'State', 'Details'].map((title) => h('th', {}, title)),
      ),
    ),
    h(
      'tbody',
      {},
      timelineRows(history).map((row) =>
        h(
          'tr',
          { class: `tone-${row.tone}` },
          h('td', { class: 'mono' }, `+${formatDuration(row.offsetMs)}`),
          h('td', {}, row.type),
          h('td', {}, row.stateName),
          h('td', {}, row.details),
        ),
      ),
    ),
  );
}

// ------------------------------------------------------------------ graph drawing

const NODE_HEIGHT = 40;
const TERMINAL = { width: 64, height: 26 };

function nodeWidth(label: string): number {
  return Math.max(96, Math.round(label.length * 7.4) + 28);
}

function labelWidth(label: string): number {
  return label ? Math.round(label.length * 5.6) + 8 : 0;
}

/** Where the layout put a node or group (its centre) and how large it made it. */
function boxOf(label: NodeLabel): { x: number; y: number; width: number; height: number } {
  return { x: label.x ?? 0, y: label.y ?? 0, width: label.width, height: label.height };
}

/** Lays the graph out with dagre and draws it as SVG, the path taken (`taken`) highlighted. */
function drawGraph(
  graph: Graph,
  statuses: ReadonlyMap<string, StateStatus>,
  taken: Traversal,
): SVGSVGElement {
  const layout = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({
    compound: true,
    multigraph: true,
  });
  layout.setGraph({ rankdir: 'TB', nodesep: 26, ranksep: 34, edgesep: 14, marginx: 14, marginy: 14 });
  // A group's size is the layout's to find (0 is dagre's default).
  for (const group of graph.groups) layout.setNode(group.id, { label: group.label, width: 0, height: 0 });
  for (const group of graph.groups) if (group.parent) layout.setParent(group.id, group.parent);
  for (const node of graph.nodes) {
    const size = node.kind === 'state' ? { width: nodeWidth(node.label), height: NODE_HEIGHT } : TERMINAL;
    layout.setNode(node.id, { ...size });
    if (node.parent) layout.setParent(node.id, node.parent);
  }
  graph.edges.forEach((edge, index) => {
    layout.setEdge(
      edge.from,
      edge.to,
      { width: labelWidth(edge.label), height: edge.label ? 14 : 0, labelpos: 'c' },
      `e${index}`,
    );
  });
  dagre.layout(layout);
  const { width = 0, height = 0 } = layout.graph();
  const svg = s(
    'svg',
    {
      class: 'graph',
      width: Math.ceil(width),
      height: Math.ceil(height),
      viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`,
    },
    s('defs', {}, arrowMarker('arrow', '#6b7280'), arrowMarker('arrow-taken', '#111827')),
  );
  const depth = (group: GraphGroup | undefined): number =>
    group?.parent ? 1 + depth(graph.groups.find((g) => g.id === group.parent)) : 0;
  for (const group of [...graph.groups].sort((a, b) => depth(a) - depth(b))) {
    const box = boxOf(layout.node(group.id));
    svg.append(
      s(
        'g',
        { class: `group${group.id.includes('::branch') ? ' branch' : ''}`, 'data-group': group.label },
        s('rect', {
          x: box.x - box.width / 2,
          y: box.y - box.height / 2,
          width: box.width,
          height: box.height,
          rx: 8,
        }),
        s('text', { x: box.x - box.width / 2 + 8, y: box.y - box.height / 2 + 12 }, group.label),
      ),
    );
  }
  graph.edges.forEach((edge, index) => {
    const laid = layout.edge({ v: edge.from, w: edge.to, name: `e${index}` });
    const points: readonly Point[] = laid.points ?? [];
    const d = points
      .map((point, i) => `${i === 0 ? 'M' : 'L'} ${point.x.toFixed(1)} ${point.y.toFixed(1)}`)
      .join(' ');
    const wasTaken = taken.edges.has(index);
    svg.append(
      s(
        'g',
        {
          class: `edge ${edge.kind}${wasTaken ? ' taken' : ''}`,
          'data-from': edge.from,
          'data-to': edge.to,
          'data-taken': wasTaken,
        },
        s('path', { d, 'marker-end': `url(#${wasTaken ? 'arrow-taken' : 'arrow'})` }),
        edge.label && laid.x !== undefined && laid.y !== undefined
          ? [
              s('rect', {
                class: 'label-bg',
                x: laid.x - labelWidth(edge.label) / 2,
                y: laid.y - 7,
                width: labelWidth(edge.label),
                height: 14,
                rx: 3,
              }),
              s('text', { x: laid.x - labelWidth(edge.label) / 2 + 4, y: laid.y + 4 }, edge.label),
            ]
          : undefined,
      ),
    );
  });
  for (const node of graph.nodes) {
    const box = boxOf(layout.node(node.id));
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    if (node.kind !== 'state') {
      svg.append(
        s(
          'g',
          {
            class: `terminal${taken.nodes.has(node.id) ? ' taken' : ''}`,
            'data-node': node.id === START_NODE ? 'start' : node.id === END_NODE ? 'end' : node.id,
            'data-taken': taken.nodes.has(node.id),
          },
          s('rect', { x, y, width: box.width, height: box.height, rx: box.height / 2 }),
          s('text', { x: box.x, y: box.y }, node.label),
        ),
      );
      continue;
    }
    const status = statuses.get(node.stateName) ?? StateStatus.NotRun;
    svg.append(
      s(
        'g',
        {
          class: `node status-${status}${taken.nodes.has(node.id) ? ' taken' : ''}${view.selected === node.id ? ' selected' : ''}`,
          'data-state': node.stateName,
          'data-node': node.id,
          'data-status': status,
          'data-taken': taken.nodes.has(node.id),
          tabindex: 0,
          role: 'button',
          onclick: () => select(node.id),
          onkeydown: (event) => {
            if (event instanceof KeyboardEvent && (event.key === 'Enter' || event.key === ' '))
              select(node.id);
          },
        },
        s('title', {}, `${node.stateName} (${node.type}): ${status.replace('-', ' ')}`),
        s('rect', { x, y, width: box.width, height: box.height, rx: 6 }),
        s('text', { x: box.x, y: box.y - 6 }, node.label),
        s('text', { class: 'type', x: box.x, y: box.y + 10 }, node.type),
      ),
    );
  }
  return svg;
}

// ------------------------------------------------------------------ start

window.addEventListener('hashchange', route);
connectStream();
route();
