import { InMemoryMapRunStore } from '../../../lambdas/runtime/distributed-map/in-memory-map-run-store.js';
import { describeMapRunStore } from '../../helpers/map-run-store-behaviours.js';

describeMapRunStore({ name: 'memory', start: async () => ({ store: new InMemoryMapRunStore() }) });
