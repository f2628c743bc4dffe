/**
 * The workflows list: the query box (the list query language), a status filter, paging by page token, live
 * refresh. The query and the filter live in the URL, so a filtered list is a link; the page never loads more
 * than one page of executions.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiCallError } from '../api.js';
import { Card } from '../components/common.js';
import { ExecutionsTable } from '../components/executions-table.js';
import { quote } from '../format.js';
import { useLoad } from '../hooks.js';
import { navigate, paths, useLocation } from '../router.js';

export const STATUSES = ['Running', 'Completed', 'Failed', 'Cancelled', 'Terminated', 'TimedOut', 'ContinuedAsNew'];

/** Splits `... ORDER BY ...` (outside quotes) into its filter and its order. */
export function splitOrderBy(query: string): { where: string; orderBy: string } {
  let quote: string | undefined;
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (/^ORDER\s+BY\b/i.test(query.slice(i)) && (i === 0 || /\s/.test(query[i - 1]!))) {
      return { where: query.slice(0, i).trim(), orderBy: query.slice(i).trim() };
    }
  }
  return { where: query.trim(), orderBy: '' };
}

export function composeQuery(userQuery: string, status: string): string {
  const { where, orderBy } = splitOrderBy(userQuery);
  const parts = [where ? (status ? `(${where})` : where) : '', status ? `ExecutionStatus = ${quote(status)}` : ''];
  return [parts.filter(Boolean).join(' AND '), orderBy].filter(Boolean).join(' ');
}

export function WorkflowsPage({ ns }: { ns: string }): JSX.Element {
  const { search } = useLocation();
  const query = search.get('query') ?? '';
  const status = search.get('status') ?? '';
  const pageSize = Number(search.get('pageSize') ?? 50) || 50;
  const [draft, setDraft] = useState(query);
  const [tokens, setTokens] = useState<string[]>([]); // tokens of the pages before this one ('' = the first)
  const [pageToken, setPageToken] = useState<string | undefined>();
  const [live, setLive] = useState(true);
  const full = composeQuery(query, status);
  const key = `${ns}|${full}|${pageSize}`;
  useEffect(() => {
    setDraft(query);
    setTokens([]);
    setPageToken(undefined);
  }, [key]);
  const list = useLoad(
    () => api.listWorkflows(ns, { query: full, pageSize, ...(pageToken ? { pageToken } : {}) }),
    `${key}|${pageToken ?? ''}`,
    live ? 3000 : undefined,
  );
  const count = useLoad(() => api.countWorkflows(ns, splitOrderBy(full).where), key, live ? 3000 : undefined);
  const go = (next: { query?: string; status?: string }): void =>
    navigate(
      paths.workflows(ns, {
        query: next.query ?? query,
        status: next.status ?? status,
        ...(pageSize !== 50 ? { pageSize: String(pageSize) } : {}),
      }),
    );
  const queryError = list.error instanceof ApiCallError && list.error.status === 400 ? list.error : undefined;
  const page = tokens.length + 1;
  const total = count.data?.count;
  const from = (page - 1) * pageSize + 1;
  return (
    <div class="page">
      <div class="page-head">
        <h1>Workflows</h1>
        <span class="muted" data-testid="workflow-count">
          {total === undefined ? '' : `${total.toLocaleString()} matching`}
        </span>
      </div>
      <form
        class="query-bar"
        onSubmit={(e) => {
          e.preventDefault();
          go({ query: draft.trim() });
        }}
      >
        <select
          aria-label="Status"
          value={status}
          onChange={(e) => go({ status: e.currentTarget.value })}
          class={status ? `status-select status-${status}` : 'status-select'}
        >
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input
          class={`query-input mono ${queryError ? 'invalid' : ''}`}
          aria-label="Query"
          placeholder="WorkflowType = 'orders' AND StartTime > '2026-01-01T00:00:00Z' ORDER BY StartTime DESC"
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
          spellcheck={false}
        />
        <button type="submit" class="btn btn-primary">
          Search
        </button>
        {query || status ? (
          <button type="button" class="btn" onClick={() => go({ query: '', status: '' })}>
            Clear
          </button>
        ) : null}
      </form>
      {queryError ? (
        <div class="query-error" role="alert" data-testid="query-error">
          {queryError.message}
        </div>
      ) : null}
      {list.error && !queryError ? (
        <div class="error-box" role="alert">
          {(list.error as Error).message}
        </div>
      ) : null}
      <Card
        title={
          <span class="muted small">
            {list.data ? `${from}–${from + list.data.executions.length - 1 || 0}` : ''}
            {list.loading ? <span class="spinner" aria-label="loading" /> : null}
          </span>
        }
        actions={
          <>
            <label class="toggle" title="Reload this page every 3 seconds">
              <input type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} /> live
            </label>
            <button
              type="button"
              class="btn btn-small"
              disabled={tokens.length === 0}
              onClick={() => {
                const prev = tokens[tokens.length - 1];
                setTokens(tokens.slice(0, -1));
                setPageToken(prev || undefined);
              }}
            >
              ← Newer
            </button>
            <span class="muted small">page {page}</span>
            <button
              type="button"
              class="btn btn-small"
              disabled={!list.data?.nextPageToken}
              onClick={() => {
                setTokens([...tokens, pageToken ?? '']);
                setPageToken(list.data!.nextPageToken);
              }}
            >
              Older →
            </button>
          </>
        }
      >
        {list.data ? (
          <ExecutionsTable
            ns={ns}
            executions={list.data.executions}
            onType={(t) => go({ query: `WorkflowType = ${quote(t)}` })}
            empty={query || status ? 'No workflow matches.' : 'No workflows yet.'}
          />
        ) : list.loading ? (
          <div class="empty-row">Loading…</div>
        ) : null}
      </Card>
    </div>
  );
}
