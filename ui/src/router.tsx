/**
 * A small history-API router: the URL is the state (deep links work, the back button works). `navigate` pushes a
 * URL, `useLocation` re-renders on every change, `<Link>` turns plain clicks into navigations.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((l) => l());
  if (!opts.replace) window.scrollTo(0, 0);
}

export interface Location {
  path: string;
  search: URLSearchParams;
}

export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = (): void => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** Matches `/a/:x/b/:y` against a path; the params are URL-decoded. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const want = p[i]!;
    const got = s[i]!;
    if (want.startsWith(':')) {
      if (!got) return undefined;
      params[want.slice(1)] = decodeURIComponent(got);
    } else if (want !== got) return undefined;
  }
  return params;
}

export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
}): JSX.Element {
  const { href, children } = props;
  return (
    <a
      href={href}
      class={props.class}
      title={props.title}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

const enc = encodeURIComponent;
/** The UI's URLs, in one place. */
export const paths = {
  overview: (): string => '/',
  namespaces: (): string => '/namespaces',
  workflows: (ns: string, search?: Record<string, string>): string => {
    const q = search ? new URLSearchParams(Object.entries(search).filter(([, v]) => v)).toString() : '';
    return `/namespaces/${enc(ns)}/workflows${q ? `?${q}` : ''}`;
  },
  execution: (ns: string, workflowId: string, runId?: string): string =>
    `/namespaces/${enc(ns)}/workflows/${enc(workflowId)}${runId ? `/${enc(runId)}` : ''}`,
  schedules: (ns: string): string => `/namespaces/${enc(ns)}/schedules`,
  schedule: (ns: string, id: string): string => `/namespaces/${enc(ns)}/schedules/${enc(id)}`,
  taskQueues: (ns: string): string => `/namespaces/${enc(ns)}/task-queues`,
  taskQueue: (ns: string, name: string): string => `/namespaces/${enc(ns)}/task-queues/${enc(name)}`,
};
