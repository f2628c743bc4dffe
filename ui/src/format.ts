/** Times, durations and values as people read them. */

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Local time, `2026-11-07 14:03:05`; the ISO string is in the element's title. */
export function formatTime(iso: string | number | undefined): string {
  if (iso === undefined) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

/** `450 ms`, `12.3 s`, `4m 05s`, `3h 02m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(Math.floor(s % 60))}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `5s ago`, `3m ago`, `in 2h`. */
export function formatRelative(iso: string | number | undefined, now = Date.now()): string {
  if (iso === undefined) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const d = now - t;
  const abs = Math.abs(d);
  const text =
    abs < 1000
      ? 'now'
      : abs < 60_000
        ? `${Math.floor(abs / 1000)}s`
        : abs < 3_600_000
          ? `${Math.floor(abs / 60_000)}m`
          : abs < 172_800_000
            ? `${Math.floor(abs / 3_600_000)}h`
            : `${Math.floor(abs / 86_400_000)}d`;
  if (text === 'now') return text;
  return d >= 0 ? `${text} ago` : `in ${text}`;
}

export function toJson(v: unknown): string {
  if (v === undefined) return '';
  try {
    const flat = JSON.stringify(v);
    return flat.length <= 72 ? flat : JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

/** A one-line preview of a value, cut at `max` characters. */
export function preview(v: unknown, max = 120): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? '';
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Quotes a string literal for the list query language. */
export const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** A period as the API takes it back: `7d`, `36h`, `90m`, `45s`, else milliseconds (`1500`). */
export function compactDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return String(ms);
}

/** A namespace's retention: `7d`, `kept for ever` (0). */
export const formatRetention = (ms: number): string => (ms === 0 ? 'kept for ever' : compactDuration(ms));

/** `512 B`, `256 KiB`, `1.5 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
}
