/**
 * Step Functions' limits on a task failure's error name and cause: a longer one is cut (a worker's
 * report, a service integration's failure) or refused (an inbox message).
 */

/** The longest error name, in characters. */
export const MAX_ERROR_LENGTH = 256;
/** The longest cause, in characters. */
export const MAX_CAUSE_LENGTH = 32_768;
