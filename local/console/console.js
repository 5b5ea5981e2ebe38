/* global dagre, document, window, location, fetch, setTimeout, clearTimeout, EventSource, URLSearchParams */
/**
 * The Baton console: the executions list (`#/`) and an execution's page (`#/executions/<id>`) with
 * its graph, laid out by dagre and drawn as SVG, coloured by each state's status; the selected
 * state's runs; the compensations; the timeline; and Redrive, Rerun, Stop buttons. Everything it
 * shows comes from the local API; `/api/stream` tells it when to fetch again.
 *
 * Served as-is (no bundler). Text from executions only ever enters the page as text nodes.
 */
import {
  END_NODE,
  START_NODE,
  StateStatus,
  buildGraph,
  compensations,
  formatDuration,
  stateRuns,
  stateStatuses,
  timelineRows,
  traversal,
} from './graph-model.js';

const SVG = 'http://www.w3.org/2000/svg';
const STATUSES = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'COMPENSATING',
  'COMPENSATED',
  'COMPENSATION_FAILED',
];
const REDRIVABLE = new Set(['FAILED', 'TIMED_OUT', 'ABORTED', 'COMPENSATION_FAILED']);
/** Execution statuses whose states can still be in progress. */
const ACTIVE = new Set(['RUNNING', 'COMPENSATING']);
const REFRESH_DELAY_MS = 120;

const app = document.getElementById('app');
const live = document.getElementById('live');

/** What survives re-rendering: filters, the selected state, the last notice, the rerun input. */
const view = {
  filters: { workflow: '', status: '', businessKey: '' },
  executionId: undefined,
  selected: undefined,
  notice: undefined,
  rerunInput: '',
  loaded: undefined,
};

// ------------------------------------------------------------------ DOM helpers

/** An element with attributes (`on*` functions become listeners) and children (strings become text). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  element.append(...present(children));
  return element;
}

function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  setAttributes(element, attributes);
  element.append(...present(children));
  return element;
}

/** An arrowhead for the graph's edges, referenced as `url(#id)`. */
function arrowMarker(id, colour) {
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
function fill(element, ...children) {
  element.replaceChildren(...present(children));
}

/** Children flattened, without the `undefined`, `null` and `false` of conditional parts. */
function present(children) {
  return children.flat(Infinity).filter((child) => child !== undefined && child !== null && child !== false);
}

function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

function badge(status) {
  return h('span', { class: `badge ${status}`, 'data-status': status }, status);
}

function json(value) {
  return h('pre', {}, value === undefined ? '—' : JSON.stringify(value, null, 2));
}

function time(iso) {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '';
}

// ------------------------------------------------------------------ API

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new Error(parsed?.error?.message ?? `${response.status} ${response.statusText}`);
  return parsed;
}

const executionPath = (id) => `/api/executions/${encodeURIComponent(id)}`;

// ------------------------------------------------------------------ routing and live updates

function route() {
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

let refreshTimer;
function scheduleRefresh(change) {
  if (view.executionId !== undefined && change.executionId !== view.executionId) return;
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    if (view.executionId === undefined) void loadList();
    else void loadExecution();
  }, REFRESH_DELAY_MS);
}

function connectStream() {
  const source = new EventSource('/api/stream');
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.classList.add('on');
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.classList.remove('on');
  });
  source.addEventListener('execution', (event) => scheduleRefresh(JSON.parse(event.data)));
}

// ------------------------------------------------------------------ executions list

let listBody;

function showList() {
  const { filters } = view;
  const workflowSelect = h('select', {
    name: 'workflow',
    onchange: (event) => {
      filters.workflow = event.target.value;
      void loadList();
    },
  });
  workflowSelect.append(h('option', { value: '' }, 'All workflows'));
  void api('GET', '/api/domains').then(({ domains }) => {
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
        filters.status = event.target.value;
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
      filters.businessKey = event.target.value.trim();
      scheduleRefresh({});
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

async function loadList() {
  if (!listBody) return;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(view.filters)) if (value) query.set(key, value);
  let executions;
  try {
    ({ executions } = await api('GET', `/api/executions?${query}`));
  } catch (error) {
    fill(listBody, h('p', { class: 'notice error' }, error.message));
    return;
  }
  if (executions.length === 0) {
    fill(listBody, h('p', { class: 'empty' }, 'No executions match.'));
    return;
  }
  fill(
    listBody,
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

async function loadExecution() {
  listBody = undefined;
  const id = view.executionId;
  let description;
  let history;
  try {
    [description, { events: history }] = await Promise.all([
      api('GET', executionPath(id)),
      api('GET', `${executionPath(id)}/history`),
    ]);
  } catch (error) {
    fill(
      app,
      h('p', {}, h('a', { href: '#/' }, '← Executions')),
      h('p', { class: 'notice error' }, error.message),
    );
    return;
  }
  if (id !== view.executionId) return;
  view.loaded = { description, history, graph: buildGraph(description.definition) };
  renderExecution();
}

function renderExecution() {
  const { description, history, graph } = view.loaded;
  const statuses = stateStatuses(history);
  const runs = stateRuns(history);
  const meta = [
    [
      'Workflow',
      `${description.workflow} (version ${description.workflowVersion}) · domain ${description.domain}`,
    ],
    ['Started', time(description.startTime)],
    description.stopTime && [
      'Stopped',
      `${time(description.stopTime)} · after ${formatDuration(Date.parse(description.stopTime) - Date.parse(description.startTime))}`,
    ],
    description.businessKey && ['Business key', description.businessKey],
    description.redriveCount > 0 && ['Redriven', `${description.redriveCount} times`],
    description.error && [
      'Error',
      `${description.error}${description.cause ? `: ${description.cause}` : ''}`,
    ],
    description.compensationFailure && [
      'Compensation',
      `undoing ${description.compensationFailure.stateName} failed: ${description.compensationFailure.error}: ${description.compensationFailure.cause}`,
    ],
  ].filter(Boolean);
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
    h('h2', {}, 'Timeline'),
    timelineTable(history),
    h('h2', {}, 'Input'),
    json(description.input),
    description.output !== undefined && h('h2', {}, 'Output'),
    description.output !== undefined && json(description.output),
  );
  renderDetails(details, graph, statuses, runs);
}

function actionBar(description, graph) {
  const selected = graph.nodes.find((node) => node.id === view.selected);
  const canRerun = selected?.kind === 'state' && selected.topLevel;
  const act = (label, work) => async () => {
    view.notice = { text: `${label}…` };
    try {
      const next = await work();
      view.notice = { text: `${label}: done` };
      if (next) {
        location.hash = `#/executions/${encodeURIComponent(next)}`;
        return;
      }
    } catch (error) {
      view.notice = { text: `${label} failed: ${error.message}`, error: true };
    }
    await loadExecution();
  };
  const id = description.executionId;
  const running = description.status === 'RUNNING';
  return h(
    'div',
    { class: 'actions' },
    h(
      'button',
      {
        id: 'redrive',
        disabled: !REDRIVABLE.has(description.status),
        title: 'Resume where it failed',
        onclick: act('Redrive', () => api('POST', `${executionPath(id)}/redrive`, {}).then(() => undefined)),
      },
      'Redrive',
    ),
    h(
      'button',
      {
        id: 'rerun',
        disabled: !canRerun,
        title: canRerun ? '' : 'Select a top-level state in the graph first',
        onclick: act('Rerun', async () => {
          const text = view.rerunInput.trim();
          const body = { fromState: selected.stateName };
          if (text) body.input = JSON.parse(text);
          return (await api('POST', `${executionPath(id)}/rerun`, body)).executionId;
        }),
      },
      canRerun ? `Rerun from ${selected.stateName}` : 'Rerun from selected state',
    ),
    h(
      'button',
      {
        id: 'stop',
        class: 'danger',
        disabled: !running,
        onclick: act('Stop', () => api('POST', `${executionPath(id)}/stop`, {}).then(() => undefined)),
      },
      'Stop',
    ),
    h(
      'button',
      {
        id: 'stop-compensate',
        class: 'danger',
        disabled: !running,
        onclick: act('Stop and compensate', () =>
          api('POST', `${executionPath(id)}/stop`, { compensate: true }).then(() => undefined),
        ),
      },
      'Stop and compensate',
    ),
    view.notice &&
      h('span', { class: `notice${view.notice.error ? ' error' : ''}`, id: 'notice' }, view.notice.text),
  );
}

function renderDetails(container, graph, statuses, runs) {
  const node = graph.nodes.find((candidate) => candidate.id === view.selected);
  if (!node || node.kind !== 'state') {
    fill(
      container,
      h('h3', {}, 'State details'),
      h('p', { class: 'empty' }, 'Click a state in the graph to see its input, output and error.'),
    );
    return;
  }
  const status = statuses.get(node.stateName) ?? StateStatus.NotRun;
  const own = runs.filter((run) => run.stateName === node.stateName);
  const undo = compensations(view.loaded.history).filter((entry) => entry.stateName === node.stateName);
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
            runProgress(run),
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
              view.rerunInput = event.target.value;
            },
          },
          view.rerunInput,
        ),
      ),
  );
}

/** How long a run took, or that it is still going (never once it failed or the execution ended). */
function runProgress(run) {
  if (run.exitedAt !== undefined) return formatDuration(run.exitedAt - run.enteredAt);
  const { description } = view.loaded;
  if (run.status === StateStatus.Failed || !ACTIVE.has(description.status)) {
    return description.stopTime ? formatDuration(Date.parse(description.stopTime) - run.enteredAt) : '';
  }
  return 'in progress';
}

function select(nodeId) {
  view.selected = nodeId;
  renderExecution();
}

function compensationSection(history) {
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

function timelineTable(history) {
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

function nodeWidth(label) {
  return Math.max(96, Math.round(label.length * 7.4) + 28);
}

function labelWidth(label) {
  return label ? Math.round(label.length * 5.6) + 8 : 0;
}

/** Lays the graph out with dagre and draws it as SVG, the path taken (`taken`) highlighted. */
function drawGraph(graph, statuses, taken) {
  const layout = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  layout.setGraph({ rankdir: 'TB', nodesep: 26, ranksep: 34, edgesep: 14, marginx: 14, marginy: 14 });
  for (const group of graph.groups) layout.setNode(group.id, { label: group.label });
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
  const { width, height } = layout.graph();
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
  const depth = (group) => (group.parent ? 1 + depth(graph.groups.find((g) => g.id === group.parent)) : 0);
  for (const group of [...graph.groups].sort((a, b) => depth(a) - depth(b))) {
    const box = layout.node(group.id);
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
    const points = laid.points ?? [];
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
        edge.label && laid.x !== undefined
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
    const box = layout.node(node.id);
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
            if (event.key === 'Enter' || event.key === ' ') select(node.id);
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
