/**
 * Errors of the local S3. Each class's `name` is the error code Amazon S3 returns for the same
 * mistake (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList), and
 * `status` its HTTP status, so the server renders them as S3 does and the SDK raises its own
 * exception of that name (`NoSuchKey`, `NoSuchBucket`).
 */

/** Base class of every error the local S3 answers with. */
export abstract class LocalS3Error extends Error {
  abstract override readonly name: string;
  /** The HTTP status S3 answers this error with. */
  abstract readonly status: number;
  /** Elements S3 adds to its `<Error>` document (`BucketName`, `Key`, ...). */
  readonly details: Readonly<Record<string, string>>;

  constructor(message: string, details: Readonly<Record<string, string>> = {}, options?: ErrorOptions) {
    super(message, options);
    this.details = details;
  }
}

export class NoSuchBucketError extends LocalS3Error {
  override readonly name = 'NoSuchBucket';
  readonly status = 404;
  constructor(bucket: string) {
    super(`The specified bucket does not exist: ${bucket}`, { BucketName: bucket });
  }
}

export class NoSuchKeyError extends LocalS3Error {
  override readonly name = 'NoSuchKey';
  readonly status = 404;
  constructor(bucket: string, key: string) {
    super(`The specified key does not exist: ${key}`, { BucketName: bucket, Key: key });
  }
}

export class NoSuchUploadError extends LocalS3Error {
  override readonly name = 'NoSuchUpload';
  readonly status = 404;
  constructor(uploadId: string) {
    super(
      `The specified multipart upload does not exist: ${uploadId}. It may have been aborted or completed.`,
      { UploadId: uploadId },
    );
  }
}

/** CreateBucket of a bucket that exists (every bucket here is the caller's own). */
export class BucketAlreadyOwnedByYouError extends LocalS3Error {
  override readonly name = 'BucketAlreadyOwnedByYou';
  readonly status = 409;
  constructor(bucket: string) {
    super(`Your previous request to create the named bucket succeeded and you already own it: ${bucket}`, {
      BucketName: bucket,
    });
  }
}

export class BucketNotEmptyError extends LocalS3Error {
  override readonly name = 'BucketNotEmpty';
  readonly status = 409;
  constructor(bucket: string) {
    super(`The bucket you tried to delete is not empty: ${bucket}`, { BucketName: bucket });
  }
}

export class InvalidBucketNameError extends LocalS3Error {
  override readonly name = 'InvalidBucketName';
  readonly status = 400;
  constructor(bucket: string, reason: string) {
    super(`The specified bucket is not valid: ${bucket} (${reason})`, { BucketName: bucket });
  }
}

/** A Range outside the object. */
export class InvalidRangeError extends LocalS3Error {
  override readonly name = 'InvalidRange';
  readonly status = 416;
  constructor(range: string, size: number) {
    super(`The requested range is not satisfiable: ${range} of ${size} bytes`, {
      RangeRequested: range,
      ActualObjectSize: String(size),
    });
  }
}

/** A request argument out of range or malformed; `argument` names it. */
export class InvalidArgumentError extends LocalS3Error {
  override readonly name = 'InvalidArgument';
  readonly status = 400;
  constructor(argument: string, value: string, reason: string) {
    super(`${argument}: ${reason}`, { ArgumentName: argument, ArgumentValue: value });
  }
}

/** A request body (CompleteMultipartUpload, DeleteObjects) that is not the XML S3 expects. */
export class MalformedXmlError extends LocalS3Error {
  override readonly name = 'MalformedXML';
  readonly status = 400;
  constructor(reason: string) {
    super(`The XML you provided was not well-formed or did not validate: ${reason}`);
  }
}

/** CompleteMultipartUpload names a part not uploaded, or with another ETag. */
export class InvalidPartError extends LocalS3Error {
  override readonly name = 'InvalidPart';
  readonly status = 400;
  constructor(partNumber: number, reason: string) {
    super(`One or more of the specified parts could not be found: part ${partNumber} ${reason}`, {
      PartNumber: String(partNumber),
    });
  }
}

export class InvalidPartOrderError extends LocalS3Error {
  override readonly name = 'InvalidPartOrder';
  readonly status = 400;
  constructor() {
    super('The list of parts was not in ascending order. Parts must be ordered by part number.');
  }
}

/** A part other than the last smaller than 5 MiB. */
export class EntityTooSmallError extends LocalS3Error {
  override readonly name = 'EntityTooSmall';
  readonly status = 400;
  constructor(partNumber: number, size: number) {
    super(
      `Your proposed upload is smaller than the minimum allowed object size: part ${partNumber} has ${size} bytes`,
      {
        PartNumber: String(partNumber),
      },
    );
  }
}

/** An operation the local S3 does not implement (versioning, ACLs, UploadPartCopy, ...). */
export class NotImplementedError extends LocalS3Error {
  override readonly name = 'NotImplemented';
  readonly status = 501;
  constructor(operation: string) {
    super(`The local S3 does not implement ${operation}`);
  }
}

/** An aws-chunked body whose framing is broken. */
export class IncompleteBodyError extends LocalS3Error {
  override readonly name = 'IncompleteBody';
  readonly status = 400;
  constructor(reason: string) {
    super(`The request body is not a complete aws-chunked body: ${reason}`);
  }
}

/** A request S3 refuses as a whole (a copy of an object onto itself that changes nothing). */
export class InvalidRequestError extends LocalS3Error {
  override readonly name = 'InvalidRequest';
  readonly status = 400;
}

/** A path or CopySource whose percent-encoding is broken. */
export class InvalidUriError extends LocalS3Error {
  override readonly name = 'InvalidURI';
  readonly status = 400;
  constructor(text: string) {
    super(`Couldn't parse the specified URI: ${text}`);
  }
}
