/**
 * The visibility list and count over the executions table. The query tree is compiled by the shared compiler
 * (../sql/compile-query.ts); this module adds the namespace, the keyset condition of the page token, the order
 * with its run_id tiebreak (and the joins that expose custom sort values) and the limit. Statements are cached by their SQL text (a UI polls the same list).
 */
import type Database from 'better-sqlite3';
import type { VisibilityQuery } from '../../visibility/query-ast.js';
import { compileQuery, createFieldResolver, type FieldResolver } from '../sql/compile-query.js';
import { searchAttributeFields, type SearchAttributeDefinition } from '../../visibility/search-attributes.js';
import type { ListExecutionsRequest, ListExecutionsResponse } from '../store.js';
import { DEFAULT_PAGE_SIZE, SUMMARY_COLUMNS, SUMMARY_STATE_COLUMNS, toSummary, type SummaryRow } from '../sql/rows.js';
import { decodePageToken, encodePageToken, keysetPredicate, orderBySql, withTiebreak } from '../sql/keyset.js';

const STATEMENT_CACHE_SIZE = 64;

export class VisibilityReader {
  private readonly statements = new Map<string, Database.Statement>();

  private readonly attributesOf: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.attributesOf = db.prepare(
      'SELECT namespace, name, type, created_at AS createdAt FROM search_attributes WHERE namespace = ? ORDER BY name',
    );
  }

  /** A namespace's registered search attributes (read each time: one indexed read, and never stale). */
  searchAttributes(namespace: string): SearchAttributeDefinition[] {
    return this.attributesOf.all(namespace) as SearchAttributeDefinition[];
  }

  private fields(namespace: string): FieldResolver {
    return createFieldResolver(searchAttributeFields(this.searchAttributes(namespace)));
  }

  list(req: ListExecutionsRequest): ListExecutionsResponse {
    const compiled = compileQuery(req.query, { dialect: 'sqlite', fields: this.fields(req.namespace) });
    const order = withTiebreak(compiled.orderColumns);
    const pageSize = Number.isInteger(req.pageSize) && req.pageSize > 0 ? req.pageSize : DEFAULT_PAGE_SIZE;

    // The sort key is selected under fixed names, so an order column may be any expression the compiler emits.
    const keyColumns = order.map((c, i) => `${c.column} AS k${i}`).join(', ');
    // in text order: the sort joins of custom attributes, then the WHERE
    const params: unknown[] = [...compiled.joinParams, req.namespace, ...compiled.params];
    let where = `namespace = ? AND (${compiled.where})`;
    if (req.pageToken !== undefined && req.pageToken !== '') {
      const keyset = keysetPredicate(order, decodePageToken(order, req.pageToken));
      where += ` AND ${keyset.sql}`;
      params.push(...keyset.params);
    }
    params.push(pageSize + 1);
    const sql = `SELECT ${SUMMARY_COLUMNS}, ${SUMMARY_STATE_COLUMNS.sqlite}, ${keyColumns} FROM executions${compiled.joins ? ` ${compiled.joins}` : ''} WHERE ${where} ORDER BY ${orderBySql(order)} LIMIT ?`;
    const rows = this.statement(sql).all(...params) as SummaryRow[];

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

  count(namespace: string, query: VisibilityQuery): number {
    const compiled = compileQuery(query, { dialect: 'sqlite', fields: this.fields(namespace) });
    const sql = `SELECT count(*) FROM executions WHERE namespace = ? AND (${compiled.where})`;
    return this.statement(sql, true).get(namespace, ...compiled.params) as number;
  }

  private statement(sql: string, pluck = false): Database.Statement {
    const cacheKey = pluck ? `pluck:${sql}` : sql;
    let stmt = this.statements.get(cacheKey);
    if (stmt) {
      // refresh its place: the Map's first entry is the least recently used
      this.statements.delete(cacheKey);
    } else {
      stmt = this.db.prepare(sql);
      if (pluck) stmt.pluck();
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(cacheKey, stmt);
    return stmt;
  }
}
