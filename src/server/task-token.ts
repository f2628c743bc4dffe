/**
 * Task tokens name one attempt of one task, so a late answer from an attempt that timed out is rejected.
 * Opaque to workers.
 */
import { ApiError } from '../common/api-error.js';

export type TaskToken =
  | { kind: 'workflow'; namespace: string; runId: string; taskId: number }
  | { kind: 'activity'; namespace: string; runId: string; seq: number; attempt: number };

export function encodeTaskToken(t: TaskToken): string {
  const ns = Buffer.from(t.namespace).toString('base64url');
  return t.kind === 'workflow' ? `w.${ns}.${t.runId}.${t.taskId}` : `a.${ns}.${t.runId}.${t.seq}.${t.attempt}`;
}

export function decodeTaskToken(token: string): TaskToken {
  const p = token.split('.');
  const bad = (): never => {
    throw new ApiError('INVALID_ARGUMENT', 'malformed task token');
  };
  const int = (s: string | undefined): number => {
    const n = Number(s);
    return Number.isInteger(n) && n > 0 ? n : bad();
  };
  const namespace = Buffer.from(p[1] ?? '', 'base64url').toString();
  const runId = p[2] ?? '';
  if (!namespace || !runId) bad();
  if (p[0] === 'w' && p.length === 4) return { kind: 'workflow', namespace, runId, taskId: int(p[3]) };
  if (p[0] === 'a' && p.length === 5) return { kind: 'activity', namespace, runId, seq: int(p[3]), attempt: int(p[4]) };
  return bad();
}
