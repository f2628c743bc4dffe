/**
 * Roles and what they may do (docs/security.md). Every operation names the access it needs; a caller may use it
 * when its role grants that access and its key lists the namespace (or '*'). Operations outside any namespace
 * (namespace and key administration) need a key for every namespace ('*').
 *
 * reader: list, describe, history, query, results. writer: also start, signal, update, cancel, terminate,
 * schedules, async activity completion. worker: poll, complete, heartbeat, register, read histories (replay).
 * admin: everything, including namespaces, search attributes, keys and server control (stopping workers).
 */
import { ApiError } from '../../common/api-error.js';
import type { Role } from '../../protocol/tenancy-api.js';
import type { Caller } from './callers.js';

export type Access =
  /** any authenticated caller */
  'any' | 'read' | 'write' | 'work' | 'readOrWork' | 'writeOrWork' | 'admin';

export const ROLES_WITH: Record<Access, readonly Role[]> = {
  any: ['reader', 'writer', 'worker', 'admin'],
  read: ['reader', 'writer', 'admin'],
  write: ['writer', 'admin'],
  work: ['worker', 'admin'],
  readOrWork: ['reader', 'writer', 'worker', 'admin'],
  writeOrWork: ['writer', 'worker', 'admin'],
  admin: ['admin'],
};

export const mayUseNamespace = (caller: Caller, namespace: string): boolean =>
  caller.namespaces.includes('*') || caller.namespaces.includes(namespace);

/**
 * Throws PERMISSION_DENIED unless the caller's role grants `access` in `namespace` (undefined: an operation
 * outside namespaces, which needs '*' unless any caller may use it).
 */
export function authorize(caller: Caller, access: Access, namespace: string | undefined, what: string): void {
  if (!ROLES_WITH[access].includes(caller.role))
    throw new ApiError('PERMISSION_DENIED', `the ${caller.role} role may not ${what}`);
  if (namespace !== undefined ? !mayUseNamespace(caller, namespace) : access !== 'any' && !mayUseNamespace(caller, '*'))
    throw new ApiError(
      'PERMISSION_DENIED',
      namespace !== undefined
        ? `the API key ${caller.name} may not use namespace ${JSON.stringify(namespace)}`
        : `${what} needs an API key for every namespace ('*')`,
    );
}
