/**
 * The metric key dictionary: metric names (MetricKey strings) to the small integer ids the metric
 * tables store, with a per-connection cache. Writes only new names; holds no metric values.
 */
import type { Database } from 'better-sqlite3';
import { cached } from './statements.js';

const keyCaches = new WeakMap<Database, Map<string, number>>();

/** The connection's name -> id cache (ids never change once committed). */
function keyCache(db: Database): Map<string, number> {
  let cache = keyCaches.get(db);
  if (cache === undefined) keyCaches.set(db, (cache = new Map()));
  return cache;
}

/**
 * Integer ids for metric names, inserting new names. Ids are cached per connection only when the
 * lookup ran outside any transaction (its own, committed): an id inserted inside a caller's
 * transaction could vanish with a rollback, so it is used but not remembered.
 */
export function metricKeyIds(db: Database, names: Iterable<string>): Map<string, number> {
  const known = keyCache(db);
  const result = new Map<string, number>();
  const missing: string[] = [];
  for (const name of names) {
    const id = known.get(name);
    if (id === undefined) missing.push(name);
    else result.set(name, id);
  }
  if (missing.length === 0) return result;
  const cacheable = !db.inTransaction;
  db.transaction(() => {
    for (const name of missing) {
      cached(db, 'INSERT INTO metric_keys (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name);
      const id = cached(db, 'SELECT id FROM metric_keys WHERE name = ?').pluck().get(name) as number;
      result.set(name, id);
      if (cacheable) known.set(name, id);
    }
  }).immediate();
  return result;
}

/** Existing id of a metric name, or undefined if nothing was ever recorded under it. */
export function existingKeyId(db: Database, name: string): number | undefined {
  const known = keyCache(db).get(name);
  if (known !== undefined) return known;
  const id = cached(db, 'SELECT id FROM metric_keys WHERE name = ?').pluck().get(name) as number | undefined;
  if (id !== undefined && !db.inTransaction) keyCache(db).set(name, id); // read outside a transaction: committed
  return id;
}
