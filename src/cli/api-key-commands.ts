/**
 * `weft api-key create|list|revoke`: API keys for servers started with `--auth api-keys`. Against a server (an
 * admin key for every namespace), or offline with `--db` against its database: how the first admin key is made.
 */
import { Option, type Command } from 'commander';
import type { Client } from '../client/client.js';
import type { ApiKeyDescription, CreateApiKeyRequest, CreateApiKeyResponse } from '../client/api-key-client.js';
import { ROLES, type Role } from '../protocol/tenancy-api.js';
import type { Store } from '../store/store.js';
import { addCommonOptions, withClient, type CommonOptions } from './options.js';
import { CliError, printJson, printLine, printTable } from './output.js';

interface KeyFlags extends Omit<CommonOptions, 'namespace'> {
  db?: string;
}

/** Runs `offline` on the database --db names, else `online` with a client. */
async function against<T>(
  o: KeyFlags,
  offline: (store: Store) => Promise<T>,
  online: (c: Client) => Promise<T>,
): Promise<T> {
  if (!o.db) return withClient({ ...o, namespace: 'default' }, online);
  const { openStore, describeDb } = await import('../server/server.js');
  const { ApiError } = await import('../common/api-error.js');
  let store: Store;
  try {
    store = await openStore(o.db);
    await store.init();
  } catch (e) {
    throw new CliError(`cannot open ${describeDb(o.db)}: ${(e as Error).message}`, 'STORE_UNAVAILABLE', [], 1, e);
  }
  try {
    return await offline(store);
  } catch (e) {
    if (e instanceof ApiError) throw new CliError(e.message, e.code);
    throw e;
  } finally {
    await store.close();
  }
}

function printKeys(keys: ApiKeyDescription[], o: KeyFlags): void {
  if (o.output === 'json') return printJson(keys);
  printTable(
    ['Id', 'Name', 'Role', 'Namespaces', 'Created', 'Revoked'],
    keys.map((k) => [k.id, k.name, k.role, k.namespaces.join(','), k.createdAt, k.revokedAt ?? '']),
    '(no API keys)',
  );
}

const dbOption = () =>
  new Option('--db <db>', 'work on this database directly, not through a server (the first admin key)').env('WEFT_DB');

export function addApiKeyCommands(program: Command): void {
  const group = program
    .command('api-key')
    .description('API keys for a server started with --auth api-keys (printed once, stored as a hash)');
  addCommonOptions(
    group
      .command('create')
      .description('make a key: its secret is printed once')
      .requiredOption('--name <name>', 'a name for the key: the identity recorded for what it does')
      .addOption(new Option('--role <role>', 'what it may do').choices([...ROLES]).makeOptionMandatory())
      .requiredOption(
        '-n, --namespace <name>',
        "a namespace it may use (repeat for more; '*': every namespace)",
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      )
      .option('--description <text>', 'what the key is for')
      .addOption(dbOption()),
    false,
    false,
  ).action(async (o: KeyFlags & { name: string; role: Role; namespace: string[]; description?: string }) => {
    const req: CreateApiKeyRequest = {
      name: o.name,
      role: o.role,
      namespaces: o.namespace,
      ...(o.description !== undefined ? { description: o.description } : {}),
    };
    const made: CreateApiKeyResponse = await against(
      o,
      async (store) => (await import('../server/tenancy/key-admin.js')).createApiKey(store, req, Date.now()),
      (c) => c.apiKeys.create(req),
    );
    if (o.output === 'json') printJson(made);
    else {
      printLine(`API key ${made.apiKey.name} (${made.apiKey.role}, namespaces ${made.apiKey.namespaces.join(',')}):`);
      printLine(made.key);
      printLine('Keep it now: it is not shown again.');
    }
  });
  addCommonOptions(
    group.command('list').description('list the keys (never their secrets)').addOption(dbOption()),
    false,
    false,
  ).action(async (o: KeyFlags) => {
    const { apiKeys } = await against(
      o,
      async (store) => (await import('../server/tenancy/key-admin.js')).listApiKeys(store),
      async (c) => ({ apiKeys: await c.apiKeys.list() }),
    );
    printKeys(apiKeys, o);
  });
  addCommonOptions(
    group
      .command('revoke')
      .description('revoke a key by id or name: it stops working on every server within a second')
      .argument('<key>', "the key's id or name")
      .addOption(dbOption()),
    false,
    false,
  ).action(async (key: string, o: KeyFlags) => {
    const revoked = await against(
      o,
      async (store) => (await import('../server/tenancy/key-admin.js')).revokeApiKey(store, key, Date.now()),
      (c) => c.apiKeys.revoke(key),
    );
    if (o.output === 'json') printJson(revoked);
    else printLine(`API key ${revoked.name} is revoked`);
  });
}
