-- Control-plane records: namespaces and API keys (kind 'namespace', 'api-key'), each a JSON body with a
-- version for conditional updates. Few rows, read whole into each server's registry and refreshed; rarely written.
CREATE TABLE control_records (
  kind       text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  version    bigint NOT NULL,
  body       text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (kind, id)
);

-- `default` exists from the start; its retention (null) is the server's.
INSERT INTO control_records (kind, id, version, body, updated_at)
SELECT 'namespace', 'default', 1,
  json_build_object('name', 'default', 'description', 'The default namespace', 'state', 'Registered',
    'retentionMs', NULL, 'limits', '{}'::json, 'createdAt', now_ms)::text,
  now_ms
FROM (SELECT (extract(epoch FROM now()) * 1000)::bigint AS now_ms) AS t;
