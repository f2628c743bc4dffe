-- Control-plane records: namespaces and API keys (kind 'namespace', 'api-key'), each a JSON body with a
-- version for conditional updates. Few rows, read whole into each server's registry and refreshed; rarely written.
CREATE TABLE control_records (
  kind       TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  body       TEXT    NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID, STRICT;

-- `default` exists from the start; its retention (null) is the server's.
INSERT INTO control_records (kind, id, version, body, updated_at)
SELECT 'namespace', 'default', 1,
  json_object('name', 'default', 'description', 'The default namespace', 'state', 'Registered',
    'retentionMs', json('null'), 'limits', json('{}'), 'createdAt', now_ms),
  now_ms
FROM (SELECT CAST(strftime('%s', 'now') AS INTEGER) * 1000 AS now_ms);
