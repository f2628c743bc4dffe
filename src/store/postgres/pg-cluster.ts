/**
 * The cluster link of the PostgreSQL store: how servers sharing one database hear each other.
 *
 * One connection per server, outside the pool, held for as long as the server runs: it LISTENs on
 * `weft_changes` (the notices weft_commit publishes with each mutation, see migration 0003) and holds the
 * session advisory lock that makes this server the leader (the one that fires timers, timeouts and schedules).
 * PostgreSQL releases the lock when the session ends, so when a leader dies, or its connection does, another
 * server takes the lock at its next try (every LEADER_RETRY_MS).
 *
 * The connection is checked every HEARTBEAT_MS. When it breaks, the server stops leading at once and reconnects
 * with backoff; once back it tells the server to resynchronise (notices sent meanwhile are lost).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ClusterHandlers, ClusterLink, ClusterPoller } from '../store.js';
import { typeParsers, type PgDb } from './pg-db.js';

export const CHANNEL = 'weft_changes';
/** Key of the session advisory lock the leader holds (MIGRATION_LOCK_KEY + 1). */
export const LEADER_LOCK_KEY = 0x77656675;
/**
 * Key of the transaction lock every weft_commit holds shared while it decides whether anyone listens (migrations
 * 0005, 0007); a server that starts listening writes its weft_listeners row holding it exclusively, so no commit
 * that missed the row is still open.
 */
export const JOIN_LOCK_KEY = LEADER_LOCK_KEY + 1;
/** The application name of the link's connection: how a listener's row is told from a dead one's. */
export const LINK_APPLICATION_NAME = 'weft-cluster';
/**
 * The rows of weft_listeners (migration 0007) whose link is gone: no backend of this database with that pid is a
 * cluster link any more (a killed server, a lost connection). A live link always has its application name set
 * before it writes its row, so it is never among them.
 */
const DEAD_LISTENERS = `weft_listeners l WHERE NOT EXISTS (
  SELECT 1 FROM pg_stat_get_activity(NULL) a
  WHERE a.pid = l.pid AND a.application_name = '${LINK_APPLICATION_NAME}'
    AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database()))`;
const LEADER_RETRY_MS = 1000;
const HEARTBEAT_MS = 2000;
const CONTROL_TIMEOUT_MS = 5000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2000;

export interface PgClusterOptions {
  url: string;
  db: PgDb;
}

export class PgClusterLink implements ClusterLink {
  private client: pg.Client | undefined;
  private handlers: ClusterHandlers | undefined;
  private leading = false;
  private stopped = false;
  private connectedOnce = false;
  private backoff = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** The backend pid of the link's connection while it listens (0 when down): weft_commit does not notify it. */
  listenerPid = 0;

  constructor(private readonly options: PgClusterOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  async start(handlers: ClusterHandlers): Promise<void> {
    this.handlers = handlers;
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    const c = this.client;
    this.client = undefined;
    this.listenerPid = 0;
    if (this.leading) this.setLeader(false);
    if (!c) return;
    // commits stop notifying this server (a row left behind would only cost needless notices until swept)
    await c.query('DELETE FROM weft_listeners WHERE pid = pg_backend_pid()').catch(() => undefined);
    await c.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const c = new pg.Client({
      connectionString: this.options.url,
      keepAlive: true,
      connectionTimeoutMillis: CONTROL_TIMEOUT_MS,
      query_timeout: CONTROL_TIMEOUT_MS,
      application_name: LINK_APPLICATION_NAME,
      types: typeParsers,
    });
    let pid = 0;
    c.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload !== undefined && this.client === c) this.handlers?.notice(n.payload);
    });
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c, new Error('the control connection ended')));
    try {
      await c.connect();
      // (set again: a connection string's own application_name would win over the option above)
      await c.query(`SET application_name = '${LINK_APPLICATION_NAME}'`);
      await c.query(`LISTEN ${CHANNEL}`);
      // the row that makes commits notify this server, written under the join lock: every commit that looked for
      // listeners without seeing it has ended once the lock is ours, and every later one sees it (migration 0007);
      // the rows of links that died go in the same step
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [JOIN_LOCK_KEY]);
      await c.query(`DELETE FROM ${DEAD_LISTENERS}`);
      const res = await c.query<{ pid: number }>(
        `INSERT INTO weft_listeners (pid) VALUES (pg_backend_pid())
         ON CONFLICT (pid) DO UPDATE SET joined_at = now() RETURNING pid`,
      );
      await c.query('COMMIT');
      pid = res.rows[0]!.pid;
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await c.query('DELETE FROM weft_listeners WHERE pid = pg_backend_pid()').catch(() => undefined);
      await c.end().catch(() => undefined);
      return;
    }
    this.client = c;
    this.listenerPid = pid;
    this.backoff = RECONNECT_MIN_MS;
    if (this.connectedOnce) this.handlers?.reset();
    this.connectedOnce = true;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.client === c)
        c.query('SELECT 1').catch((err: unknown) => {
          this.lost(c, err);
          void c.end().catch(() => undefined);
        });
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    void this.tryLead(c);
  }

  /** The control connection broke: stop leading now (the lock went with the session) and reconnect. */
  private lost(c: pg.Client, err: unknown): void {
    if (this.client !== c) return;
    this.client = undefined;
    this.listenerPid = 0;
    clearInterval(this.heartbeat);
    clearTimeout(this.timer);
    if (this.leading) this.setLeader(false);
    if (this.stopped) return;
    this.handlers?.error('the cluster connection was lost; reconnecting', err);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.connect().catch((err: unknown) => {
        if (this.stopped) return;
        this.handlers?.error('reconnecting the cluster connection failed', err);
        this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
        this.scheduleReconnect();
      });
    }, this.backoff);
  }

  private async tryLead(c: pg.Client): Promise<void> {
    if (this.client !== c || this.leading || this.stopped) return;
    try {
      const res = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK_KEY]);
      if (this.client !== c) return; // lost meanwhile: the lock went with the session
      if (res.rows[0]?.ok) {
        this.setLeader(true);
        return;
      }
    } catch {
      return; // lost() reconnects
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tryLead(c), LEADER_RETRY_MS);
  }

  private setLeader(v: boolean): void {
    this.leading = v;
    this.handlers?.leader(v);
  }

  async publish(notices: string[]): Promise<void> {
    if (notices.length === 0) return;
    await this.options.db.query(`SELECT pg_notify('${CHANNEL}', n) FROM unnest($1::text[]) AS n`, [notices]);
  }

  async putMessage(body: string): Promise<string> {
    const id = randomUUID();
    await this.options.db.query('INSERT INTO cluster_messages (id, body, created_at) VALUES ($1, $2, $3)', [
      id,
      body,
      Date.now(),
    ]);
    return id;
  }

  async getMessage(id: string): Promise<string | undefined> {
    const rows = await this.options.db.query<{ body: string }>('SELECT body FROM cluster_messages WHERE id = $1', [id]);
    return rows[0]?.body;
  }

  async touchPollers(pollers: ClusterPoller[]): Promise<void> {
    if (pollers.length === 0) return;
    await this.options.db.query(
      `INSERT INTO cluster_pollers (namespace, task_queue, identity, build_id, first_seen, last_seen, workflow_types)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[])
       ON CONFLICT (namespace, task_queue, identity) DO UPDATE SET
         build_id = coalesce(excluded.build_id, cluster_pollers.build_id),
         workflow_types = coalesce(excluded.workflow_types, cluster_pollers.workflow_types),
         last_seen = greatest(excluded.last_seen, cluster_pollers.last_seen)`,
      [
        pollers.map((p) => p.namespace),
        pollers.map((p) => p.taskQueue),
        pollers.map((p) => p.identity),
        pollers.map((p) => p.buildId ?? null),
        pollers.map((p) => p.firstSeenTime),
        pollers.map((p) => p.lastAccessTime),
        pollers.map((p) => (p.workflowTypes ? JSON.stringify(p.workflowTypes) : null)),
      ],
    );
  }

  async pollers(namespace: string, taskQueue: string, since: number): Promise<ClusterPoller[]> {
    const rows = await this.options.db.query<{
      identity: string;
      build_id: string | null;
      first_seen: number;
      last_seen: number;
      workflow_types: string | null;
    }>(
      `SELECT identity, build_id, first_seen, last_seen, workflow_types FROM cluster_pollers
       WHERE namespace = $1 AND task_queue = $2 AND last_seen >= $3 ORDER BY identity`,
      [namespace, taskQueue, since],
    );
    return rows.map((r) => ({
      namespace,
      taskQueue,
      identity: r.identity,
      ...(r.build_id !== null ? { buildId: r.build_id } : {}),
      ...(r.workflow_types !== null ? { workflowTypes: JSON.parse(r.workflow_types) as string[] } : {}),
      firstSeenTime: r.first_seen,
      lastAccessTime: r.last_seen,
    }));
  }

  async taskQueues(namespace: string, since: number): Promise<string[]> {
    const rows = await this.options.db.query<{ task_queue: string }>(
      'SELECT DISTINCT task_queue FROM cluster_pollers WHERE namespace = $1 AND last_seen >= $2 ORDER BY task_queue',
      [namespace, since],
    );
    return rows.map((r) => r.task_queue);
  }

  async sweep(before: number): Promise<void> {
    await this.options.db.query('DELETE FROM cluster_messages WHERE created_at < $1', [before]);
    await this.options.db.query('DELETE FROM cluster_pollers WHERE last_seen < $1', [before]);
    await this.sweepListeners();
  }

  /**
   * Deletes the rows of links that died, so commits stop notifying them. Looked for without a lock first (there
   * are rarely any); the delete holds the join lock, as a join does, so it never races a link that is joining.
   */
  async sweepListeners(): Promise<number> {
    const db = this.options.db;
    if ((await db.query(`SELECT 1 FROM ${DEAD_LISTENERS} LIMIT 1`)).length === 0) return 0;
    return db.session(async (s) => {
      await s.query('BEGIN');
      try {
        await s.query('SELECT pg_advisory_xact_lock($1)', [JOIN_LOCK_KEY]);
        const gone = await s.query<{ pid: number }>(`DELETE FROM ${DEAD_LISTENERS} RETURNING pid`);
        await s.query('COMMIT');
        return gone.length;
      } catch (err) {
        await s.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }
}
