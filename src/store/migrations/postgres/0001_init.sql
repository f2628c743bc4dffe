-- Weft's PostgreSQL schema: the same tables as SQLite's (see ../sqlite), in one file because PostgreSQL started
-- at that point. Times are epoch milliseconds (bigint). Every identifier and keyword column is COLLATE "C", so
-- ranges, STARTS_WITH and page tokens order by code point exactly as SQLite's BINARY collation does.

-- One row per run: the engine's state (JSON text) and the columns the visibility list filters and sorts on.
CREATE TABLE executions (
  run_id         text COLLATE "C" NOT NULL PRIMARY KEY,
  namespace      text COLLATE "C" NOT NULL,
  workflow_id    text COLLATE "C" NOT NULL,
  workflow_type  text COLLATE "C" NOT NULL,
  task_queue     text COLLATE "C" NOT NULL,
  status         text COLLATE "C" NOT NULL,
  start_time     bigint NOT NULL,
  close_time     bigint,
  history_length integer NOT NULL,
  -- lastProgressTime rounded up to the second, for stuck-run reports (only running runs are indexed)
  last_progress  bigint,
  version        integer NOT NULL,
  state          text NOT NULL
);
-- Every row is rewritten on each step of its run: leave room on the page so the update stays on it (HOT).
ALTER TABLE executions SET (fillfactor = 80);

-- Visibility indexes: each ends in (start_time, run_id) or (close_time, run_id), so a filtered list walks one
-- index from the page token's key (a row comparison) and stops after a page.
CREATE INDEX executions_by_start ON executions (namespace, start_time, run_id);
CREATE INDEX executions_by_type_status ON executions (namespace, workflow_type, status, start_time, run_id);
CREATE INDEX executions_by_status ON executions (namespace, status, start_time, run_id);
CREATE INDEX executions_by_workflow_id ON executions (namespace, workflow_id, start_time, run_id);
CREATE INDEX executions_by_close ON executions (namespace, close_time, run_id);
CREATE INDEX executions_by_task_queue ON executions (namespace, task_queue, start_time, run_id);
CREATE INDEX executions_stuck ON executions (namespace, last_progress, run_id) WHERE status = 'Running';

-- The run a workflow id points at (the latest one).
CREATE TABLE current_executions (
  namespace   text COLLATE "C" NOT NULL,
  workflow_id text COLLATE "C" NOT NULL,
  run_id      text COLLATE "C" NOT NULL,
  status      text COLLATE "C" NOT NULL,
  PRIMARY KEY (namespace, workflow_id)
);

-- History, one row per event; `data` is the whole event as JSON.
CREATE TABLE history_events (
  run_id     text COLLATE "C" NOT NULL,
  event_id   integer NOT NULL,
  event_type text NOT NULL,
  event_time text NOT NULL,
  data       text NOT NULL,
  PRIMARY KEY (run_id, event_id)
);

-- Pending tasks, oldest first by id. Replacing a key gives the row a new id (the back of the queue).
CREATE TABLE tasks (
  id              bigserial PRIMARY KEY,
  run_id          text COLLATE "C" NOT NULL,
  task_key        text COLLATE "C" NOT NULL,
  namespace       text COLLATE "C" NOT NULL,
  task_queue      text COLLATE "C" NOT NULL,
  kind            text NOT NULL,
  sticky_identity text,
  created_at      bigint NOT NULL,
  UNIQUE (run_id, task_key)
);

-- Timers and timeouts (and schedule wake-ups), found by due time.
CREATE TABLE timers (
  run_id    text COLLATE "C" NOT NULL,
  timer_key text COLLATE "C" NOT NULL,
  namespace text COLLATE "C" NOT NULL,
  due_at    bigint NOT NULL,
  PRIMARY KEY (run_id, timer_key)
);
CREATE INDEX timers_by_due ON timers (due_at, run_id, timer_key);

CREATE TABLE workflow_definitions (
  namespace     text COLLATE "C" NOT NULL,
  workflow_type text COLLATE "C" NOT NULL,
  task_queue    text NOT NULL,
  description   text,
  defaults      text, -- JSON
  updated_at    bigint NOT NULL,
  PRIMARY KEY (namespace, workflow_type)
);

-- What a run has in flight, one row each, out of the state JSON (see sqlite/0002_state_rows.sql).
CREATE TABLE activity_infos (
  run_id text COLLATE "C" NOT NULL,
  seq    integer NOT NULL,
  data   text NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE buffered_events (
  run_id text COLLATE "C" NOT NULL,
  idx    integer NOT NULL,
  data   text NOT NULL,
  PRIMARY KEY (run_id, idx)
);

-- Schedules: one versioned row each; the wake-up is a timers row (run_id 'sched:<ns>:<id>', key 'wake').
CREATE TABLE schedules (
  namespace   text COLLATE "C" NOT NULL,
  schedule_id text COLLATE "C" NOT NULL,
  version     integer NOT NULL,
  state       text NOT NULL,
  PRIMARY KEY (namespace, schedule_id)
);

-- Custom search attributes: the registry, and the values (one row per value; see sqlite/0005).
CREATE TABLE search_attributes (
  namespace  text COLLATE "C" NOT NULL,
  name       text COLLATE "C" NOT NULL,
  type       text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (namespace, name)
);

CREATE TABLE search_attribute_values (
  run_id       text COLLATE "C" NOT NULL,
  name         text COLLATE "C" NOT NULL,
  idx          integer NOT NULL,
  text_value   text COLLATE "C",
  int_value    bigint,
  double_value double precision,
  PRIMARY KEY (run_id, name, idx)
);
CREATE INDEX search_attribute_values_text ON search_attribute_values (name, text_value, run_id);
CREATE INDEX search_attribute_values_int ON search_attribute_values (name, int_value, run_id);
CREATE INDEX search_attribute_values_double ON search_attribute_values (name, double_value, run_id);
