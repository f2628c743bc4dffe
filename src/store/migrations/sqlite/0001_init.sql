-- Weft's first schema. Times are epoch milliseconds (INTEGER) unless said otherwise.

-- One row per run: the engine's state (JSON) plus the columns the visibility list filters and sorts on.
-- `state` is the last column so that list queries, which never read it, stop before its overflow pages.
CREATE TABLE executions (
  run_id         TEXT    NOT NULL PRIMARY KEY,
  namespace      TEXT    NOT NULL,
  workflow_id    TEXT    NOT NULL,
  workflow_type  TEXT    NOT NULL,
  task_queue     TEXT    NOT NULL,
  status         TEXT    NOT NULL,
  start_time     INTEGER NOT NULL,
  close_time     INTEGER,
  history_length INTEGER NOT NULL,
  version        INTEGER NOT NULL,
  state          TEXT    NOT NULL
) STRICT;

-- Visibility indexes. Each ends in (start_time, run_id) or (close_time, run_id), so a filtered list walks one
-- index in its order (either direction) from the page token's position and stops after one page: no sort, no
-- scan of the skipped rows. Only status and close_time ever change after a run is created.
CREATE INDEX executions_by_start ON executions (namespace, start_time, run_id);
CREATE INDEX executions_by_type_status ON executions (namespace, workflow_type, status, start_time, run_id);
CREATE INDEX executions_by_status ON executions (namespace, status, start_time, run_id);
CREATE INDEX executions_by_workflow_id ON executions (namespace, workflow_id, start_time, run_id);
CREATE INDEX executions_by_close ON executions (namespace, close_time, run_id);
CREATE INDEX executions_by_task_queue ON executions (namespace, task_queue, start_time, run_id);

-- The run a workflow id points at (the latest one).
CREATE TABLE current_executions (
  namespace   TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  status      TEXT NOT NULL,
  PRIMARY KEY (namespace, workflow_id)
) WITHOUT ROWID, STRICT;

-- History, one row per event; `data` is the whole event as JSON, the other columns are for people and tools.
-- Rows are appended in commit order (rowid) and found through the (run_id, event_id) index: the events of one
-- group commit then share a few pages, where a table clustered by run id would dirty one page per run (measured:
-- half the WAL frames per commit).
CREATE TABLE history_events (
  id         INTEGER PRIMARY KEY,
  run_id     TEXT    NOT NULL,
  event_id   INTEGER NOT NULL,
  event_type TEXT    NOT NULL,
  event_time TEXT    NOT NULL, -- ISO 8601, as in the event
  data       TEXT    NOT NULL,
  UNIQUE (run_id, event_id)
) STRICT;

-- Pending tasks (workflow and activity), oldest first by id. Replacing a key gives the row a new id.
CREATE TABLE tasks (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id          TEXT    NOT NULL,
  task_key        TEXT    NOT NULL,
  namespace       TEXT    NOT NULL,
  task_queue      TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  sticky_identity TEXT,
  created_at      INTEGER NOT NULL,
  UNIQUE (run_id, task_key)
) STRICT;

-- Timers and timeouts, found by due time.
CREATE TABLE timers (
  run_id    TEXT    NOT NULL,
  timer_key TEXT    NOT NULL,
  namespace TEXT    NOT NULL,
  due_at    INTEGER NOT NULL,
  PRIMARY KEY (run_id, timer_key)
) WITHOUT ROWID, STRICT;

CREATE INDEX timers_by_due ON timers (due_at);

CREATE TABLE workflow_definitions (
  namespace     TEXT    NOT NULL,
  workflow_type TEXT    NOT NULL,
  task_queue    TEXT    NOT NULL,
  description   TEXT,
  defaults      TEXT, -- JSON
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (namespace, workflow_type)
) WITHOUT ROWID, STRICT;
