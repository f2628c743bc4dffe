-- Schedules: one row per schedule, its state as JSON, versioned like a run (optimistic concurrency). The
-- schedule's wake-up is a row of the timers table (run_id 'sched:<namespace>:<scheduleId>', key 'wake').
CREATE TABLE schedules (
  namespace   TEXT    NOT NULL,
  schedule_id TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  state       TEXT    NOT NULL,
  PRIMARY KEY (namespace, schedule_id)
) WITHOUT ROWID, STRICT;
