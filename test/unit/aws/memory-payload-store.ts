/** A PayloadStore in memory, for the tests of the stores that offload to one. */
import { PayloadNotFoundError } from '../../../lambdas/aws/s3-payload-store.js';
import type { PayloadStore } from '../../../lambdas/runtime/ports.js';

export class MemoryPayloadStore implements PayloadStore {
  readonly objects = new Map<string, Uint8Array>();

  async put(key: string, body: Uint8Array): Promise<void> {
    this.objects.set(key, Uint8Array.from(body));
  }

  async get(key: string): Promise<Uint8Array> {
    const body = this.objects.get(key);
    if (body === undefined) throw new PayloadNotFoundError(key);
    return Uint8Array.from(body);
  }
}
