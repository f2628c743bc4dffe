-- The parts of a run's state that grow with what it has in flight get a row each, out of the state JSON: a run
-- with a hundred activities in flight, or a hundred events buffered behind a running workflow task, then
-- writes one small row per change instead of rewriting its whole state.
CREATE TABLE activity_infos (
  run_id TEXT    NOT NULL,
  seq    INTEGER NOT NULL,
  data   TEXT    NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE buffered_events (
  run_id TEXT    NOT NULL,
  idx    INTEGER NOT NULL,
  data   TEXT    NOT NULL,
  PRIMARY KEY (run_id, idx)
) STRICT, WITHOUT ROWID;
