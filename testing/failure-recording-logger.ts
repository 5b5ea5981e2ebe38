/**
 * A silent Powertools logger that hands the extra fields of every logged error to `onError`: the
 * inbox handler logs each failed record with its message id and its error (or the reason it was
 * rejected) and answers Lambda only with the ids, so a wiring that wants to know why a message
 * failed listens here.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';

export class FailureRecordingLogger extends Logger {
  constructor(private readonly onError: (extra: Record<string, unknown>) => void) {
    super({ serviceName: 'baton-in-process', logLevel: 'SILENT' });
  }

  override error(input: LogItemMessage, ...extraInput: LogItemExtraInput): void {
    for (const item of extraInput)
      if (typeof item === 'object' && item !== null) this.onError(item as Record<string, unknown>);
    super.error(input, ...extraInput);
  }
}
