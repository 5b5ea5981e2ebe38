/**
 * The names the orchestrator and the workers record about an execution, in their logs and X-Ray
 * traces, and that the construct's dashboard and saved queries (and the README) tell users to
 * search by. Stable: renaming one breaks saved queries and trace filters.
 */

/**
 * X-Ray annotations (indexed: `annotation.executionId = "PlaceOrder:o-1"` finds the traces), set
 * on the subsegment of each inbox record the orchestrator handles.
 */
export const TraceAnnotation = {
  /** The execution the record was for, `<workflow>:<name>`. */
  executionId: 'executionId',
  /** The workflow, when the record names it (a start). */
  workflow: 'workflow',
} as const;

/** Keys of the orchestrator's and workers' JSON log lines (Powertools Logger). */
export const LogKey = {
  executionId: 'executionId',
  workflow: 'workflow',
  state: 'state',
  /** Set by Powertools Logger on every line in Lambda: the X-Ray trace of the invocation. */
  traceId: 'xray_trace_id',
} as const;
