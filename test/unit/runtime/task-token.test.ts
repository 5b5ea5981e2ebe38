import { describe, expect, it } from 'vitest';
import { InvalidTaskTokenError, TaskTokenSigner } from '../../../lambdas/runtime/task-token.js';

const signer = new TaskTokenSigner('a-signing-key-of-at-least-32-bytes!!');
const claims = { executionId: 'PlaceOrder:o-1', engineToken: 'root:4:2' };

describe('task tokens', () => {
  it('verifies a token it signed and returns its claims', () => {
    expect(signer.verify(signer.sign(claims))).toEqual(claims);
  });

  it('rejects a token whose payload was changed to another execution', () => {
    const [version, , signature] = signer.sign(claims).split('.');
    const forged = Buffer.from(JSON.stringify({ e: 'PlaceOrder:o-2', t: 'root:4:2' })).toString('base64url');
    expect(() => signer.verify(`${version}.${forged}.${signature}`)).toThrow(InvalidTaskTokenError);
  });

  it('rejects a token signed with another key', () => {
    const other = new TaskTokenSigner('another-signing-key-of-32-bytes!!!!');
    expect(() => signer.verify(other.sign(claims))).toThrow('signature does not verify');
  });

  it('rejects malformed tokens', () => {
    for (const token of ['', 'v1', 'v1.a', 'v2.a.b', 'v1.%%%.b']) {
      expect(() => signer.verify(token)).toThrow(InvalidTaskTokenError);
    }
  });

  it('binds the attempt: a token for attempt 1 is not a token for attempt 2', () => {
    expect(signer.sign(claims)).not.toBe(signer.sign({ ...claims, engineToken: 'root:4:3' }));
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => new TaskTokenSigner('short')).toThrow(RangeError);
  });
});
