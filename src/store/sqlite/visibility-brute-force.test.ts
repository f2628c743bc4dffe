import { describeVisibilityBruteForce } from '../conformance-visibility-brute-force.js';
import { SqliteStore } from './sqlite-store.js';

describeVisibilityBruteForce('SQLite', async () => ({ store: new SqliteStore({ path: ':memory:' }) }));
