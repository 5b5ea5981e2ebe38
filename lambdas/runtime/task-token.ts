/**
 * Task tokens that workers cannot forge. A token binds the execution and the engine's attempt
 * token (thread, state entry and attempt) under an HMAC-SHA256 signature; the orchestrator
 * accepts a result only for a token it signed, and the engine accepts it only for the attempt
 * still running, so a replayed or stale token changes nothing.
 *
 * Format: `v1.<base64url(JSON { e, t })>.<base64url(hmac)>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims of a verified token. */
export interface TaskTokenClaims {
  readonly executionId: string;
  /** The engine's token of the attempt (`<thread>:<entry>:<attempt>` or `c:<entry>:<attempt>`). */
  readonly engineToken: string;
}

/** A token that is malformed or whose signature does not verify. */
export class InvalidTaskTokenError extends Error {
  override readonly name = 'InvalidTaskTokenError';
}

const VERSION = 'v1';
const MIN_KEY_BYTES = 32;

/**
 * Issues the task tokens the orchestrator hands out, and checks those that come back. Throws
 * {@link InvalidTaskTokenError} from `verify` for a token it did not issue.
 */
export interface TaskTokens {
  sign(claims: TaskTokenClaims): string;
  /** Returns the claims, or throws InvalidTaskTokenError. */
  verify(token: string): TaskTokenClaims;
}

/** Signs and verifies task tokens with a key from configuration (the construct keeps it in Secrets Manager). */
export class TaskTokenSigner implements TaskTokens {
  private readonly key: Buffer;

  constructor(key: string | Uint8Array) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (this.key.length < MIN_KEY_BYTES) {
      throw new RangeError(
        `The task token signing key must have at least ${MIN_KEY_BYTES} bytes, got ${this.key.length}`,
      );
    }
  }

  sign(claims: TaskTokenClaims): string {
    const payload = Buffer.from(JSON.stringify({ e: claims.executionId, t: claims.engineToken })).toString(
      'base64url',
    );
    return `${VERSION}.${payload}.${this.mac(payload)}`;
  }

  /** Returns the claims, or throws InvalidTaskTokenError. */
  verify(token: string): TaskTokenClaims {
    const parts = typeof token === 'string' ? token.split('.') : [];
    if (parts.length !== 3 || parts[0] !== VERSION)
      throw new InvalidTaskTokenError('The task token is malformed');
    const [, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(payload), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidTaskTokenError('The task token signature does not verify');
    }
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch (error) {
      throw new InvalidTaskTokenError('The task token payload is not JSON', { cause: error });
    }
    const { e, t } = (claims ?? {}) as { e?: unknown; t?: unknown };
    if (typeof e !== 'string' || typeof t !== 'string')
      throw new InvalidTaskTokenError('The task token payload is incomplete');
    return { executionId: e, engineToken: t };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
