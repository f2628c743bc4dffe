/**
 * `client.searchAttributes`: the namespace's custom search attributes (Temporal's operator service
 * AddSearchAttributes / ListSearchAttributes, with Weft's shape).
 *
 *   await client.searchAttributes.create({ name: 'CustomerId', type: 'Keyword' });
 *   const attrs = await client.searchAttributes.list(); // [{ name, type, createdAt }]
 */
import type { ListSearchAttributesResponse, SearchAttributeInfo } from '../protocol/search-attribute-api.js';
import type { SearchAttributeType } from '../visibility/search-attributes.js';
import { Connection } from './connection.js';
import { WEFT_SEARCH_ATTRIBUTE_TYPE, type TemporalSearchAttributeType } from '../common/typed-search-attributes.js';

export interface SearchAttribute {
  name: string;
  type: SearchAttributeType;
  createdAt: Date;
}

const toAttribute = (a: SearchAttributeInfo): SearchAttribute => ({
  name: a.name,
  type: a.type as SearchAttributeType,
  createdAt: new Date(a.createdAt),
});

export class SearchAttributeClient {
  readonly connection: Connection;
  readonly namespace: string;

  constructor(opts: { connection?: Connection; namespace?: string } = {}) {
    this.connection = opts.connection ?? Connection.lazy();
    this.namespace = opts.namespace ?? 'default';
  }

  /** Registers an attribute. Again with the same type: no change; with another type: SEARCH_ATTRIBUTE_ALREADY_EXISTS. */
  async create(attr: {
    name: string;
    type: SearchAttributeType | TemporalSearchAttributeType;
  }): Promise<SearchAttribute> {
    // Temporal's names (KEYWORD, INT, ...) are Weft's Keyword, Int, ...
    const type = (WEFT_SEARCH_ATTRIBUTE_TYPE as Record<string, SearchAttributeType>)[attr.type] ?? attr.type;
    const r = await this.connection.transport.call<SearchAttributeInfo>('createSearchAttribute', {
      params: { namespace: this.namespace },
      body: { name: attr.name, type },
    });
    return toAttribute(r);
  }

  async list(): Promise<SearchAttribute[]> {
    const r = await this.connection.transport.call<ListSearchAttributesResponse>('listSearchAttributes', {
      params: { namespace: this.namespace },
    });
    return r.searchAttributes.map(toAttribute);
  }
}
