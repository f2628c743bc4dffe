/** `weft namespace create|describe|update|list|delete`: namespaces, their retention and limits. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { NamespaceInfo } from '../client/namespace-client.js';
import { toMs } from '../common/duration.js';
import { addCommonOptions, parseNonNegativeInt, withClient, type CommonOptions } from './options.js';
import { CliError, isoTime, printFields, printJson, printLine, printTable } from './output.js';

interface NamespaceFlags extends CommonOptions {
  description?: string;
  /** ms, or null: back to the server's retention (update --retention default). */
  retention?: number | null;
  maxPayloadBytes?: number;
  maxHistoryEvents?: number;
}

function parseRetention(value: string): number | null {
  if (value === 'default') return null;
  try {
    return toMs(value, '--retention');
  } catch {
    throw new InvalidArgumentError("expected a duration like '7d', '30d' or '12h' (0 keeps every run), or default.");
  }
}

function parsePositive(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return n;
}

/** The namespace a command is about: its argument, else --namespace. */
const nameOf = (arg: string | undefined, o: CommonOptions): string => arg ?? o.namespace;

const limitsOf = (o: NamespaceFlags) =>
  o.maxPayloadBytes === undefined && o.maxHistoryEvents === undefined
    ? undefined
    : {
        ...(o.maxPayloadBytes !== undefined ? { maxPayloadBytes: o.maxPayloadBytes } : {}),
        ...(o.maxHistoryEvents !== undefined ? { maxHistoryEvents: o.maxHistoryEvents } : {}),
      };

const retentionText = (ns: NamespaceInfo): string =>
  `${ns.retentionMs === 0 ? 'kept for ever' : `${Math.round((ns.retentionMs / 86_400_000) * 100) / 100}d`}${ns.retentionIsServerDefault ? " (the server's)" : ''}`;

const asJson = (ns: NamespaceInfo) => ({ ...ns, createdAt: isoTime(ns.createdAt), updatedAt: isoTime(ns.updatedAt) });

function print(ns: NamespaceInfo, o: CommonOptions): void {
  if (o.output === 'json') return printJson(asJson(ns));
  printFields([
    ['Name', ns.name],
    ['State', ns.state],
    ['Description', ns.description || undefined],
    ['Retention', retentionText(ns)],
    ['Max payload', ns.limits.maxPayloadBytes !== undefined ? `${ns.limits.maxPayloadBytes} bytes` : undefined],
    ['Max history', ns.limits.maxHistoryEvents !== undefined ? `${ns.limits.maxHistoryEvents} events` : undefined],
    ['Created', isoTime(ns.createdAt)],
    ['Updated', isoTime(ns.updatedAt)],
  ]);
}

function withFlags(cmd: Command): Command {
  return cmd
    .option('--description <text>', 'what the namespace is for')
    .addOption(
      new Option('--retention <duration>', "how long closed runs are kept ('30d', '12h'; 0: for ever)").argParser(
        parseRetention,
      ),
    )
    .addOption(
      new Option('--max-payload-bytes <n>', 'largest payload (at most the server limit)').argParser(parsePositive),
    )
    .addOption(
      new Option('--max-history-events <n>', 'longest history of a run (at most the server limit)').argParser(
        parsePositive,
      ),
    );
}

export function addNamespaceCommands(program: Command): void {
  const group = program
    .command('namespace')
    .description('namespaces: each scopes workflows, schedules, task queues and workers, with its own retention');
  addCommonOptions(
    withFlags(
      group.command('create').description('create a namespace').argument('[name]', 'its name (else --namespace)'),
    ),
  ).action(async (name: string | undefined, o: NamespaceFlags) => {
    const target = nameOf(name, o);
    const retention = o.retention;
    if (retention === null)
      throw new CliError('--retention default: leave --retention out instead', 'INVALID_ARGUMENT');
    const limits = limitsOf(o);
    const ns = await withClient(o, (c) =>
      c.namespaces.create({
        name: target,
        ...(o.description !== undefined ? { description: o.description } : {}),
        ...(retention !== undefined ? { retention } : {}),
        ...(limits ? { limits } : {}),
      }),
    );
    if (o.output === 'json') printJson(asJson(ns));
    else printLine(`Namespace ${ns.name} is created (retention ${retentionText(ns)})`);
  });
  addCommonOptions(
    group.command('describe').description('show a namespace').argument('[name]', 'its name (else --namespace)'),
  ).action(async (name: string | undefined, o: CommonOptions) =>
    print(await withClient(o, (c) => c.namespaces.describe(nameOf(name, o))), o),
  );
  addCommonOptions(
    withFlags(
      group
        .command('update')
        .description("change a namespace's description, retention (default: the server's) or limits")
        .argument('[name]', 'its name (else --namespace)'),
    ),
  ).action(async (name: string | undefined, o: NamespaceFlags) => {
    const limits = limitsOf(o);
    const ns = await withClient(o, (c) =>
      c.namespaces.update(nameOf(name, o), {
        ...(o.description !== undefined ? { description: o.description } : {}),
        ...(o.retention !== undefined ? { retention: o.retention } : {}),
        ...(limits ? { limits } : {}),
      }),
    );
    print(ns, o);
  });
  addCommonOptions(group.command('list').description('list the namespaces (those your API key may use)')).action(
    async (o: CommonOptions) => {
      const all = await withClient(o, (c) => c.namespaces.list());
      if (o.output === 'json') return printJson(all.map(asJson));
      printTable(
        ['Name', 'State', 'Retention', 'Description'],
        all.map((ns) => [ns.name, ns.state, retentionText(ns), ns.description]),
      );
    },
  );
  addCommonOptions(
    group
      .command('delete')
      .description('delete a namespace with no running workflows or schedules; its closed runs are removed after')
      .argument('[name]', 'its name (else --namespace)'),
  ).action(async (name: string | undefined, o: CommonOptions) => {
    const target = nameOf(name, o);
    const ns = await withClient(o, (c) => c.namespaces.delete(target));
    if (o.output === 'json') printJson(asJson(ns));
    else printLine(`Namespace ${ns.name} is deleted; its closed runs go at the next retention sweep`);
  });
}
