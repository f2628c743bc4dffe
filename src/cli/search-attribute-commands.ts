/** `weft search-attribute create|list`: the namespace's custom search attributes. */
import { Option, type Command } from 'commander';
import { SEARCH_ATTRIBUTE_TYPES, type SearchAttributeType } from '../visibility/search-attributes.js';
import { addCommonOptions, withClient, type CommonOptions } from './options.js';
import { isoTime, printJson, printLine, printTable } from './output.js';

async function create(o: CommonOptions & { name: string; type: SearchAttributeType }): Promise<void> {
  const a = await withClient(o, (c) => c.searchAttributes.create({ name: o.name, type: o.type }));
  if (o.output === 'json') printJson({ ...a, createdAt: isoTime(a.createdAt) });
  else printLine(`Search attribute ${a.name} (${a.type}) is registered in namespace ${o.namespace}`);
}

async function list(o: CommonOptions): Promise<void> {
  const attrs = await withClient(o, (c) => c.searchAttributes.list());
  if (o.output === 'json') printJson(attrs.map((a) => ({ ...a, createdAt: isoTime(a.createdAt) })));
  else
    printTable(
      ['Name', 'Type', 'Created'],
      attrs.map((a) => [a.name, a.type, isoTime(a.createdAt)]),
      '(no custom search attributes)',
    );
}

export function addSearchAttributeCommands(program: Command): void {
  const group = program
    .command('search-attribute')
    .description('custom search attributes: register them, then set them at start or with upsertSearchAttributes');
  addCommonOptions(
    group
      .command('create')
      .description('register a search attribute (again with the same type: no change; another type: an error)')
      .requiredOption('--name <name>', 'attribute name: letters, digits and _, not a built-in field name')
      .addOption(
        new Option('--type <type>', 'attribute type').choices([...SEARCH_ATTRIBUTE_TYPES]).makeOptionMandatory(),
      ),
  ).action((o: CommonOptions & { name: string; type: SearchAttributeType }) => create(o));
  addCommonOptions(group.command('list').description("list the namespace's search attributes")).action(
    (o: CommonOptions) => list(o),
  );
}
