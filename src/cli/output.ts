/**
 * What the CLI prints: tables or JSON on stdout, and errors on stderr as `Error: <message> (<CODE>)`.
 * Expected errors (the server's answers, an unreachable server, bad flags, system errors such as a port in use)
 * print that one line; only errors that look like bugs also print their stack.
 */
import Table from 'cli-table3';
import { ConnectionError, ServiceError } from '../client/errors.js';
import { WeftFailure } from '../common/failure.js';
import { InvalidDurationError } from '../common/duration.js';

export type OutputFormat = 'table' | 'json';

/** An error the CLI itself reports: a stable code, a message for people, an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** Lines printed under the error line (a failure's causes). */
    readonly details: string[] = [],
    readonly exitCode = 1,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CliError';
  }
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  printLine(JSON.stringify(value, null, 2));
}

/** A bordered table; `empty` is printed instead when there are no rows. */
export function printTable(head: string[], rows: string[][], empty = '(none)'): void {
  if (rows.length === 0) {
    printLine(empty);
    return;
  }
  const table = new Table({ head, style: { head: [], border: [], compact: true } });
  table.push(...rows);
  printLine(table.toString());
}

/** `Label  value` lines, labels padded to one column. Undefined values are left out. */
export function printFields(fields: Array<[string, string | number | boolean | undefined]>): void {
  const shown = fields.filter((f): f is [string, string | number | boolean] => f[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  for (const [k, v] of shown) printLine(`  ${k.padEnd(width)}  ${String(v)}`);
}

export const isoTime = (d: Date | string | undefined): string => (d === undefined ? '' : new Date(d).toISOString());

/** A JSON value on one line, cut to `max` characters. */
export function shortJson(value: unknown, max = 80): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

interface Reported {
  message: string;
  code: string;
  /** Printed after the message: for errors that look like bugs. */
  stack?: string;
}

/** A Node system error (EADDRINUSE, ENOENT, ...) or a library error with a string code (SQLITE_CANTOPEN). */
function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  // errno codes and SQLite's; not Node's ERR_* codes, which mean a bug
  return typeof code === 'string' && /^(E[A-Z]+|SQLITE_[A-Z_]+)$/.test(code) ? code : undefined;
}

/** Errors of other modules whose message says all there is to say (no stack needed). */
const EXPECTED_ERROR_NAMES = new Set(['WorkflowBundleError', 'InvalidRetryPolicyError']);

const screaming = (name: string): string => name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

function describeError(e: unknown): Reported {
  if (e instanceof CliError) return { message: e.message, code: e.code };
  if (e instanceof ServiceError) return { message: e.message, code: e.code };
  if (e instanceof ConnectionError) return { message: e.message, code: 'UNAVAILABLE' };
  if (e instanceof InvalidDurationError) return { message: e.message, code: 'INVALID_DURATION' };
  if (e instanceof WeftFailure) return { message: e.message, code: screaming(e.name) };
  if (e instanceof Error) {
    const code = codeOf(e);
    if (code) return { message: e.message, code };
    if (EXPECTED_ERROR_NAMES.has(e.name)) return { message: e.message, code: screaming(e.name) };
    return { message: e.message, code: 'INTERNAL', ...(e.stack ? { stack: e.stack } : {}) };
  }
  return { message: String(e), code: 'INTERNAL' };
}

/** Prints the error to stderr and returns the exit code to use. WEFT_DEBUG=1 adds the stack of any error. */
export function reportError(e: unknown): number {
  const r = describeError(e);
  // the code ends the first line; further lines of the message (and a CliError's details) follow, indented
  const [first, ...more] = r.message.split('\n');
  process.stderr.write(`Error: ${first} (${r.code})\n`);
  for (const line of [...more, ...(e instanceof CliError ? e.details : [])]) process.stderr.write(`  ${line}\n`);
  const debugged = e instanceof CliError && e.cause instanceof Error ? e.cause : e;
  const stack = r.stack ?? (process.env.WEFT_DEBUG && debugged instanceof Error ? debugged.stack : undefined);
  if (stack) process.stderr.write(`${stack}\n`);
  return e instanceof CliError ? e.exitCode : 1;
}
