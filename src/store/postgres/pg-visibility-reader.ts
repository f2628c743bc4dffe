/**
 * The visibility list and count on PostgreSQL: the shared compiler (../sql/compile-query.ts) in its `$N`
 * dialect, the namespace as $1, the page token's keyset condition and the order with its run_id tiebreak, as
 * the SQLite reader does (../sqlite/visibility-reader.ts); the indexes are migration 0001's.
 */
import type { VisibilityQuery } from '../../visibility/query-ast.js';
import { searchAttributeFields, type SearchAttributeDefinition } from '../../visibility/search-attributes.js';
import { compileQuery, createFieldResolver, type FieldResolver } from '../sql/compile-query.js';
import { decodePageToken, encodePageToken, keysetPredicate, orderBySql, withTiebreak } from '../sql/keyset.js';
import type { ListExecutionsRequest, ListExecutionsResponse } from '../store.js';
import { DEFAULT_PAGE_SIZE, SUMMARY_COLUMNS, SUMMARY_STATE_COLUMNS, toSummary, type SummaryRow } from '../sql/rows.js';
import type { PgSession } from './pg-db.js';

export class PgVisibilityReader {
  constructor(private readonly db: PgSession) {}

  /** A namespace's registered search attributes (read each time: one indexed read, and never stale). */
  async searchAttributes(namespace: string): Promise<SearchAttributeDefinition[]> {
    return this.db.query<SearchAttributeDefinition>(
      `SELECT namespace, name, type, created_at AS "createdAt" FROM search_attributes WHERE namespace = $1
       ORDER BY name`,
      [namespace],
    );
  }

  private async fields(namespace: string): Promise<FieldResolver> {
    return createFieldResolver(searchAttributeFields(await this.searchAttributes(namespace)));
  }

  async list(req: ListExecutionsRequest): Promise<ListExecutionsResponse> {
    const compiled = compileQuery(req.query, {
      dialect: 'postgres',
      paramOffset: 1,
      fields: await this.fields(req.namespace),
    });
    const order = withTiebreak(compiled.orderColumns);
    const pageSize = Number.isInteger(req.pageSize) && req.pageSize > 0 ? req.pageSize : DEFAULT_PAGE_SIZE;
    // numbered: the namespace ($1), the joins' parameters, the WHERE's, then the keyset's and the limit
    const params: unknown[] = [req.namespace, ...compiled.joinParams, ...compiled.params];
    const keyColumns = order.map((c, i) => `${c.column} AS k${i}`).join(', ');
    let where = `namespace = $1 AND (${compiled.where})`;
    if (req.pageToken !== undefined && req.pageToken !== '') {
      const base = params.length;
      let n = 0;
      const keyset = keysetPredicate(order, decodePageToken(order, req.pageToken), () => `$${base + ++n}`);
      where += ` AND ${keyset.sql}`;
      params.push(...keyset.params);
    }
    params.push(pageSize + 1);
    const sql =
      `SELECT ${SUMMARY_COLUMNS}, ${SUMMARY_STATE_COLUMNS.postgres}, ${keyColumns} FROM executions${compiled.joins ? ` ${compiled.joins}` : ''} ` +
      `WHERE ${where} ORDER BY ${orderBySql(order)} LIMIT $${params.length}`;
    const rows = await this.db.query<SummaryRow>(sql, params);

    const more = rows.length > pageSize;
    if (more) rows.length = pageSize;
    const res: ListExecutionsResponse = { executions: rows.map(toSummary) };
    if (more) {
      const last = rows[rows.length - 1]!;
      res.nextPageToken = encodePageToken(
        order,
        order.map((_, i) => last[`k${i}`] ?? null),
      );
    }
    return res;
  }

  async count(namespace: string, query: VisibilityQuery): Promise<number> {
    const fields = await this.fields(namespace);
    // checked whole (an ORDER BY Text item is an error here too), run without its order: a count needs no sort
    // joins, whose parameters would take the first numbers
    if (query.orderBy.length > 0) compileQuery(query, { dialect: 'postgres', paramOffset: 1, fields });
    const compiled = compileQuery({ ...query, orderBy: [] }, { dialect: 'postgres', paramOffset: 1, fields });
    const rows = await this.db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM executions WHERE namespace = $1 AND (${compiled.where})`,
      [namespace, ...compiled.params],
    );
    return rows[0]!.n;
  }
}
