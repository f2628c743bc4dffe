/**
 * A connection's API key (Temporal's `apiKey`): a string, or a function called before each request that returns
 * one (or a promise of one), for keys that rotate. `connection.setApiKey(key)` replaces it for later requests.
 */
export type ApiKey = string | (() => string | Promise<string>);

/** `key` as given, or a TypeError naming what is wrong with it. */
export function checkApiKey(key: unknown): ApiKey {
  if (typeof key === 'function') return key as () => string | Promise<string>;
  if (typeof key !== 'string') throw new TypeError(`apiKey must be a string or a function, got ${typeof key}`);
  if (key === '') throw new TypeError('apiKey must not be an empty string');
  return key;
}

/** The key to send now: the string, or what the function returns (it must be a non-empty string). */
export async function currentApiKey(key: ApiKey): Promise<string> {
  if (typeof key === 'string') return key;
  const value: unknown = await key();
  if (typeof value !== 'string' || value === '')
    throw new TypeError(
      `the apiKey function must return a non-empty string, got ${JSON.stringify(value) ?? 'undefined'}`,
    );
  return value;
}
