/**
 * Errors of the local SQS queue. Each class's `name` is the error code Amazon SQS returns for the
 * same mistake, so code that handles SDK errors by name handles these too.
 */

/** Base class of every error the local queue throws. */
export abstract class LocalSqsError extends Error {
  abstract override readonly name: string;
  /** The queue the call was made on. */
  readonly queueName: string;

  constructor(queueName: string, message: string, options?: ErrorOptions) {
    super(`${queueName}: ${message}`, options);
    this.queueName = queueName;
  }
}

/**
 * A parameter out of its documented range: DelaySeconds, VisibilityTimeout, WaitTimeSeconds,
 * MaxNumberOfMessages, a message too large, a bad message attribute, or a visibility change the
 * message no longer allows.
 */
export class InvalidParameterValueError extends LocalSqsError {
  override readonly name = 'InvalidParameterValue';
  /** The parameter, as SQS names it (`DelaySeconds`, `MessageBody`, ...). */
  readonly parameter: string;
  /** The value given. */
  readonly value: unknown;

  constructor(queueName: string, parameter: string, value: unknown, reason: string) {
    super(queueName, `Value ${describe(value)} for parameter ${parameter} is invalid. Reason: ${reason}`);
    this.parameter = parameter;
    this.value = value;
  }
}

/** A message body with characters SQS does not accept (lone surrogates, most control characters). */
export class InvalidMessageContentsError extends LocalSqsError {
  override readonly name = 'InvalidMessageContents';
  /** UTF-16 index of the first rejected character. */
  readonly index: number;

  constructor(queueName: string, index: number) {
    super(queueName, `Invalid binary character in message body at index ${index}`);
    this.index = index;
  }
}

/** A receipt handle this queue never issued (malformed, or from another queue). */
export class ReceiptHandleIsInvalidError extends LocalSqsError {
  override readonly name = 'ReceiptHandleIsInvalid';
  readonly receiptHandle: string;

  constructor(queueName: string, receiptHandle: string, reason: string) {
    super(queueName, `The receipt handle "${truncate(receiptHandle)}" is not valid: ${reason}`);
    this.receiptHandle = receiptHandle;
  }
}

/** ChangeMessageVisibility on a message that is not in flight (its visibility timeout ran out). */
export class MessageNotInflightError extends LocalSqsError {
  override readonly name = 'MessageNotInflight';
  readonly messageId: string;

  constructor(queueName: string, messageId: string) {
    super(queueName, `Message ${messageId} is not in flight`);
    this.messageId = messageId;
  }
}

/** A batch call with no entries. */
export class EmptyBatchRequestError extends LocalSqsError {
  override readonly name = 'EmptyBatchRequest';

  constructor(queueName: string) {
    super(queueName, 'There should be at least one entry in the request');
  }
}

/** A batch call with more than 10 entries. */
export class TooManyEntriesInBatchRequestError extends LocalSqsError {
  override readonly name = 'TooManyEntriesInBatchRequest';
  readonly count: number;

  constructor(queueName: string, count: number, max: number) {
    super(queueName, `Maximum number of entries per request are ${max}. You have sent ${count}.`);
    this.count = count;
  }
}

/** Two entries of one batch with the same `id`. */
export class BatchEntryIdsNotDistinctError extends LocalSqsError {
  override readonly name = 'BatchEntryIdsNotDistinct';
  readonly id: string;

  constructor(queueName: string, id: string) {
    super(queueName, `Id ${id} repeated`);
    this.id = id;
  }
}

/** A batch entry id that is empty, longer than 80 characters, or not `[A-Za-z0-9_-]`. */
export class InvalidBatchEntryIdError extends LocalSqsError {
  override readonly name = 'InvalidBatchEntryId';
  readonly id: string;

  constructor(queueName: string, id: string) {
    super(
      queueName,
      `A batch entry id can only contain alphanumeric characters, hyphens and underscores, and at most 80 of them: "${truncate(id)}"`,
    );
    this.id = id;
  }
}

/** A SendMessageBatch whose messages add up to more than the queue's maximum message size. */
export class BatchRequestTooLongError extends LocalSqsError {
  override readonly name = 'BatchRequestTooLong';
  readonly bytes: number;

  constructor(queueName: string, bytes: number, max: number) {
    super(queueName, `Batch requests cannot be longer than ${max} bytes. You have sent ${bytes} bytes.`);
    this.bytes = bytes;
  }
}

/** A queue option out of its documented range, found when the queue is created. */
export class InvalidQueueOptionError extends Error {
  override readonly name = 'InvalidAttributeValue';
  readonly option: string;

  constructor(option: string, value: unknown, reason: string) {
    super(`Invalid value ${describe(value)} for queue option ${option}: ${reason}`);
    this.option = option;
  }
}

/** A persisted snapshot that cannot be read back; the file is left untouched. */
export class CorruptSnapshotError extends Error {
  override readonly name = 'CorruptSnapshotError';
  readonly path: string;

  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`Cannot load the queue snapshot ${path}: ${reason}`, options);
    this.path = path;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  try {
    return truncate(JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function truncate(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
