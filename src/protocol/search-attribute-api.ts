/** Request and response shapes of the search attribute registry routes. */
import { Type, type Static } from '@sinclair/typebox';

export const CreateSearchAttributeRequestSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  /** Keyword, Text, Int, Double, Bool, Datetime or KeywordList (checked by the service, which names the types). */
  type: Type.String({ minLength: 1, maxLength: 64 }),
});
export type CreateSearchAttributeRequest = Static<typeof CreateSearchAttributeRequestSchema>;

export interface SearchAttributeInfo {
  name: string;
  type: string;
  createdAt: string;
}

export interface ListSearchAttributesResponse {
  searchAttributes: SearchAttributeInfo[];
}
