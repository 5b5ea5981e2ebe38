import { QueueDoesNotExist, RequestThrottled } from '@aws-sdk/client-sqs';
import {
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import {
  integrationErrorName,
  isTransient,
  PublishFailedError,
  transientError,
} from '../../../lambdas/aws/aws-errors.js';
import { TransientStoreError } from '../../../lambdas/runtime/ports.js';

const metadata = { $metadata: {} };

describe('isTransient', () => {
  it('is true for throttling, by name or by HTTP 429', () => {
    expect(isTransient(new RequestThrottled({ message: 'slow down', ...metadata }))).toBe(true);
    expect(isTransient(new TooManyRequestsException({ message: 'slow down', ...metadata }))).toBe(true);
    expect(
      isTransient(Object.assign(new Error('x'), { name: 'Whatever', $metadata: { httpStatusCode: 429 } })),
    ).toBe(true);
  });

  it('is true for server faults and 5xx answers', () => {
    expect(isTransient(new ServiceException({ message: 'oops', ...metadata }))).toBe(true);
    expect(
      isTransient(Object.assign(new Error('x'), { name: 'Odd', $metadata: { httpStatusCode: 503 } })),
    ).toBe(true);
  });

  it('is true for errors the SDK marks $retryable and for broken connections', () => {
    expect(isTransient(Object.assign(new Error('x'), { name: 'Odd', $retryable: {} }))).toBe(true);
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('is false for client errors that will fail again', () => {
    expect(isTransient(new QueueDoesNotExist({ message: 'gone', ...metadata }))).toBe(false);
    expect(isTransient(new ResourceNotFoundException({ message: 'gone', ...metadata }))).toBe(false);
    expect(isTransient(new Error('plain'))).toBe(false);
    expect(isTransient('text')).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});

describe('integrationErrorName', () => {
  it('prefixes the service and always ends the name in Exception, as Step Functions does', () => {
    expect(integrationErrorName('SQS', new QueueDoesNotExist({ message: 'gone', ...metadata }))).toBe(
      'SQS.QueueDoesNotExistException',
    );
    expect(
      integrationErrorName('Lambda', new ResourceNotFoundException({ message: 'gone', ...metadata })),
    ).toBe('Lambda.ResourceNotFoundException');
    expect(integrationErrorName('EventBridge', 'not an error')).toBe('EventBridge.UnknownErrorException');
  });
});

describe('transientError', () => {
  it('is a TransientStoreError that keeps the SDK error as its cause', () => {
    const sdkError = new RequestThrottled({ message: 'slow down', ...metadata });
    const error = transientError('SQS SendMessage', sdkError);
    expect(error).toBeInstanceOf(TransientStoreError);
    expect(error.name).toBe('TransientStoreError');
    expect(error.cause).toBe(sdkError);
    expect(error.message).toContain('RequestThrottled');
  });
});

describe('PublishFailedError', () => {
  it('names itself and lists the events that failed', () => {
    const error = new PublishFailedError([{ eventId: 'e-1', errorCode: 'ThrottlingException' }], true);
    expect(error.name).toBe('PublishFailedError');
    expect(error.message).toContain('e-1 (ThrottlingException)');
    expect(error.retryable).toBe(true);
  });
});
