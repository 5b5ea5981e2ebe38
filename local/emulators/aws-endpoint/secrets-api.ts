/**
 * AWS Secrets Manager's GetSecretValue (AWS JSON 1.1, `X-Amz-Target: secretsmanager.GetSecretValue`)
 * over secrets registered with their value. `SecretId` may be the name, the full ARN, or the ARN
 * without its six-character suffix, as Secrets Manager accepts. Only the `AWSCURRENT` version exists.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsApiError, unknownOperation } from './errors.js';
import type { FieldErrors, FieldReader } from './request-fields.js';

/** Secrets Manager's codes for a missing and an invalid parameter. */
export const SECRETS_FIELD_ERRORS: FieldErrors = {
  missing: 'InvalidParameterException',
  invalid: 'InvalidParameterException',
};

const CURRENT = 'AWSCURRENT';
const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A secret to register. */
export interface SecretInput {
  readonly name: string;
  readonly value: string;
  /** @default `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>` */
  readonly arn?: string;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly value: string;
  readonly versionId: string;
  readonly createdAt: number;
}

/** The Secrets Manager operations, over registered secrets. */
export class SecretsApi {
  private readonly secrets: StoredSecret[] = [];

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** Stores a secret; returns its ARN. */
  register(secret: SecretInput): string {
    const arn =
      secret.arn ??
      `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${secret.name}-${suffix()}`;
    this.secrets.push({
      name: secret.name,
      arn,
      value: secret.value,
      versionId: randomUUID(),
      createdAt: Date.now(),
    });
    return arn;
  }

  async handle(operation: string, request: FieldReader): Promise<object> {
    if (operation !== 'GetSecretValue') throw unknownOperation(`secretsmanager.${operation}`);
    const id = request.requiredString('SecretId');
    const secret = this.secrets.find(
      (candidate) => candidate.name === id || candidate.arn === id || candidate.arn.slice(0, -7) === id,
    );
    const versionId = request.optionalString('VersionId');
    const stage = request.optionalString('VersionStage');
    if (
      !secret ||
      (versionId !== undefined && versionId !== secret.versionId) ||
      (stage !== undefined && stage !== CURRENT)
    ) {
      throw new AwsApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: [CURRENT],
      CreatedDate: secret.createdAt / 1000,
    };
  }
}

function suffix(): string {
  return [...randomBytes(6)].map((byte) => SUFFIX_ALPHABET[byte % SUFFIX_ALPHABET.length]).join('');
}
