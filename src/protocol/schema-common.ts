/** Schema pieces shared by the protocol and the HTTP API. */
import { Type, type Static } from '@sinclair/typebox';
import type { FailureInfo } from '../common/failure.js';

export const Payload = Type.Unknown({
  description:
    'Any JSON value; a result field that is absent means undefined. With payload codecs, an encoded payload ' +
    '{"$weft":"payload","metadata":{...},"data":"<base64>"} (docs/encryption.md).',
});
/** The encoding of `undefined` in an argument list: src/common/payload-args.ts. */
export const Payloads = Type.Array(Type.Unknown(), {
  description:
    'Arguments, as a JSON array. An item {"$weft":"undefined"} is the argument undefined; an argument that is ' +
    'itself an object with a "$weft" key is sent as {"$weft":"value","value":<argument>}; any other item ' +
    '(null included) is the argument as it is. With payload codecs, each argument is an encoded payload ' +
    '{"$weft":"payload","metadata":{...},"data":"<base64>"} (docs/encryption.md).',
});
/** Headers (Temporal's `Headers`): context that interceptors pass along with a call, one JSON value per key. */
export const HeaderSchema = Type.Record(Type.String({ maxLength: 1000 }), Type.Unknown(), {
  description: 'Headers set by interceptors (e.g. trace context), one JSON value per key',
});
export const DurationInput = Type.Union([Type.Number({ minimum: 0 }), Type.String({ minLength: 1 })], {
  description: "Milliseconds, or a string such as '30s', '5m', '2h'",
});
/** Longest id (workflow, schedule, workflow type, task queue): in a body and in a path alike (docs/limits.md). */
export const MAX_ID_LENGTH = 1000;
/**
 * Ids hold any text but NUL and unpaired UTF-16 surrogates: neither can be stored as text by PostgreSQL (nor sent
 * as UTF-8 by Temporal's protobuf), so both are refused on every store alike (400, not a failed write).
 */
export const ID_PATTERN = '^(?:[^\\u0000\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])*$';
export const Identifier = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, pattern: ID_PATTERN });

/**
 * A serialised failure. Only the outer shape is checked here; the server sanitises the rest
 * (`sanitizeFailure`), so a deep or odd cause chain cannot hurt it.
 */
export const FailureSchema = Type.Unsafe<FailureInfo>(
  Type.Object(
    {
      kind: Type.String(),
      message: Type.String(),
    },
    { additionalProperties: true, description: 'A serialised failure (message, type, cause, ...)' },
  ),
);

export const RetryPolicySchema = Type.Object(
  {
    initialInterval: Type.Optional(DurationInput),
    backoffCoefficient: Type.Optional(Type.Number({ minimum: 1 })),
    maximumInterval: Type.Optional(DurationInput),
    maximumAttempts: Type.Optional(Type.Integer({ minimum: 0 })),
    nonRetryableErrorTypes: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type RetryPolicyInput = Static<typeof RetryPolicySchema>;

/**
 * Temporal's Priority: kept with the run and shown by describe; a task queue hands out tasks of a smaller
 * priorityKey first (1 first; 0 or none: the default, 3). Fairness keys and weights are kept, not used.
 */
export const PrioritySchema = Type.Object(
  {
    priorityKey: Type.Optional(Type.Integer({ minimum: 0 })),
    fairnessKey: Type.Optional(Type.String({ maxLength: 255 })),
    fairnessWeight: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

/**
 * Temporal's user metadata of a start (staticSummary, staticDetails): two payloads, each a string as the client
 * converted it (and encoded by its codecs, if any), shown by describe.
 */
export const UserMetadataSchema = Type.Object(
  { summary: Type.Optional(Type.Unknown()), details: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);
