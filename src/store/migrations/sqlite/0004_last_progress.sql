-- Stuck executions: running runs that made no progress (wrote no event) for a while. `last_progress` is the
-- run's lastProgressTime rounded UP to the second (a run is never reported stuck early), so most writes of a
-- busy run leave it as it was and touch no index. Closed runs keep their last value but are not in the index.
ALTER TABLE executions ADD COLUMN last_progress INTEGER;

UPDATE executions
SET last_progress = ((coalesce(json_extract(state, '$.lastProgressTime'), start_time) + 999) / 1000) * 1000
WHERE status = 'Running';

-- Partial: only running runs, found by namespace, oldest progress first.
CREATE INDEX executions_stuck ON executions (namespace, last_progress, run_id) WHERE status = 'Running';
