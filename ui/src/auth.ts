/**
 * Sign-in with an API key (docs/security.md). On load the UI asks GET /api/v1/caller whether the server needs a
 * key and who the stored one is; a 401 anywhere brings the key prompt back. The key is kept in sessionStorage
 * for the browser session. What the key's role may not do is hidden, not merely disabled.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiCallError, apiKeyStore, onUnauthenticated, type Role } from './api.js';

export interface SignedInCaller {
  name: string;
  role: Role;
  /** '*' for every namespace. */
  namespaces: string[];
}

export type AuthState =
  /** asking the server */
  | { kind: 'checking' }
  /** the server needs no key (or could not say): everything shows, as before keys existed */
  | { kind: 'open' }
  | { kind: 'signed-in'; caller: SignedInCaller }
  /** a key is needed; `error` says why the last one was refused */
  | { kind: 'signed-out'; error?: string };

let state: AuthState = { kind: 'checking' };
const listeners = new Set<() => void>();

function setState(next: AuthState): void {
  state = next;
  listeners.forEach((l) => l());
}

export function useAuth(): AuthState {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = (): void => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return state;
}

onUnauthenticated((message) => {
  const hadKey = apiKeyStore.get() !== undefined;
  apiKeyStore.clear();
  setState({ kind: 'signed-out', ...(hadKey ? { error: message } : {}) });
});

/** On load: does the server need a key, and whose is the stored one? */
export async function checkAuth(): Promise<void> {
  try {
    const c = await api.caller();
    if (!c.authEnabled) setState({ kind: 'open' });
    else
      setState({
        kind: 'signed-in',
        caller: { name: c.name ?? '', role: c.role ?? 'reader', namespaces: c.namespaces ?? [] },
      });
  } catch (e) {
    if (e instanceof ApiCallError && e.status === 401) {
      const hadKey = apiKeyStore.get() !== undefined;
      apiKeyStore.clear();
      setState({ kind: 'signed-out', ...(hadKey ? { error: e.message } : {}) });
    } else {
      // a server without /caller, or unreachable for now: the pages show their own errors, and a 401 the prompt
      setState({ kind: 'open' });
    }
  }
}

/** Tries `key` and keeps it for the session when the server takes it; throws the server's refusal otherwise. */
export async function signIn(key: string): Promise<void> {
  const c = await api.caller(key);
  if (!c.authEnabled) {
    setState({ kind: 'open' });
    return;
  }
  apiKeyStore.set(key);
  setState({
    kind: 'signed-in',
    caller: { name: c.name ?? '', role: c.role ?? 'reader', namespaces: c.namespaces ?? [] },
  });
}

export function signOut(): void {
  apiKeyStore.clear();
  setState({ kind: 'signed-out' });
}

/** What the UI offers: the server refuses the rest anyway (403), this only hides what would fail. */
export interface Access {
  /** signal, cancel, terminate; pause, unpause, trigger a schedule */
  mayWrite(ns: string): boolean;
  /** change a namespace's description, retention, limits */
  mayEditNamespace(ns: string): boolean;
  /** create and delete namespaces (an admin key for every namespace) */
  mayManageNamespaces: boolean;
}

export function accessOf(s: AuthState): Access {
  if (s.kind !== 'signed-in') {
    const all = s.kind === 'open';
    return { mayWrite: () => all, mayEditNamespace: () => all, mayManageNamespaces: all };
  }
  const { role, namespaces } = s.caller;
  const uses = (ns: string): boolean => namespaces.includes('*') || namespaces.includes(ns);
  return {
    mayWrite: (ns) => (role === 'writer' || role === 'admin') && uses(ns),
    mayEditNamespace: (ns) => role === 'admin' && uses(ns),
    mayManageNamespaces: role === 'admin' && uses('*'),
  };
}

export const useAccess = (): Access => accessOf(useAuth());
