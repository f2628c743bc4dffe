-- A task's priority key (Temporal's priority: 1 is handed out first; NULL is the default, 3), so that queues
-- rebuilt at start-up hand out their tasks in the order they had (src/server/matching.ts). weft_apply is the one
-- of migration 0002 with the column in its task insert (a task row's seventh element; absent: NULL).

ALTER TABLE tasks ADD COLUMN priority integer;

CREATE OR REPLACE FUNCTION weft_apply(m jsonb) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  wrote boolean := false;
  x jsonb;
  run text;
  ver integer;
  n integer;
  msg text;
BEGIN
  FOR x IN SELECT value FROM jsonb_array_elements(m -> 'currentRuns') LOOP
    IF x ->> 4 IS NULL THEN
      INSERT INTO current_executions (namespace, workflow_id, run_id, status)
      VALUES (x ->> 0, x ->> 1, x ->> 2, x ->> 3) ON CONFLICT (namespace, workflow_id) DO NOTHING;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN msg := format('workflow %s already has a current run', x ->> 1); END IF;
    ELSE
      UPDATE current_executions SET run_id = x ->> 2, status = x ->> 3
      WHERE namespace = x ->> 0 AND workflow_id = x ->> 1 AND run_id = x ->> 4;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN msg := format('the current run of workflow %s is no longer %s', x ->> 1, x ->> 4); END IF;
    END IF;
    IF msg IS NOT NULL THEN
      IF wrote THEN RAISE EXCEPTION USING ERRCODE = 'WF409', MESSAGE = msg; END IF;
      RETURN msg;
    END IF;
    wrote := true;
  END LOOP;

  FOR x IN SELECT value FROM jsonb_array_elements(m -> 'executions') LOOP
    run := x ->> 'runId';
    ver := (x ->> 'expectedVersion')::integer;
    IF ver = 0 THEN
      INSERT INTO executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, start_time,
        close_time, history_length, last_progress, version, state)
      VALUES (run, x ->> 'namespace', x ->> 'workflowId', x ->> 'workflowType', x ->> 'taskQueue', x ->> 'status',
        (x ->> 'startTime')::bigint, (x ->> 'closeTime')::bigint, (x ->> 'historyLength')::integer,
        (x ->> 'lastProgress')::bigint, 1, x ->> 'state')
      ON CONFLICT (run_id) DO NOTHING;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN msg := format('run %s already exists', run); END IF;
    ELSE
      UPDATE executions SET status = x ->> 'status', close_time = (x ->> 'closeTime')::bigint,
        last_progress = (x ->> 'lastProgress')::bigint, history_length = (x ->> 'historyLength')::integer,
        version = ver + 1, state = x ->> 'state'
      WHERE run_id = run AND version = ver;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN msg := format('run %s is no longer at version %s', run, ver); END IF;
    END IF;
    IF msg IS NOT NULL THEN
      IF wrote THEN RAISE EXCEPTION USING ERRCODE = 'WF409', MESSAGE = msg; END IF;
      RETURN msg;
    END IF;
    wrote := true;

    IF jsonb_array_length(x -> 'events') > 0 THEN
      INSERT INTO history_events (run_id, event_id, event_type, event_time, data)
      SELECT run, (v ->> 0)::integer, v ->> 1, v ->> 2, v ->> 3 FROM jsonb_array_elements(x -> 'events') v;
    END IF;
    IF jsonb_array_length(x -> 'tasksRemoved') > 0 THEN
      DELETE FROM tasks WHERE run_id = run
        AND task_key IN (SELECT jsonb_array_elements_text(x -> 'tasksRemoved'));
    END IF;
    IF jsonb_array_length(x -> 'tasksAdded') > 0 THEN
      -- a replaced key gets a new id: the back of the queue
      INSERT INTO tasks (run_id, task_key, namespace, task_queue, kind, sticky_identity, created_at, priority)
      SELECT run, v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, (v ->> 5)::bigint, (v ->> 6)::integer
      FROM jsonb_array_elements(x -> 'tasksAdded') v
      ON CONFLICT (run_id, task_key) DO UPDATE SET id = nextval('tasks_id_seq'), namespace = excluded.namespace,
        task_queue = excluded.task_queue, kind = excluded.kind, sticky_identity = excluded.sticky_identity,
        created_at = excluded.created_at, priority = excluded.priority;
    END IF;
    IF jsonb_array_length(x -> 'timersRemoved') > 0 THEN
      DELETE FROM timers WHERE run_id = run
        AND timer_key IN (SELECT jsonb_array_elements_text(x -> 'timersRemoved'));
    END IF;
    IF jsonb_array_length(x -> 'timersAdded') > 0 THEN
      INSERT INTO timers (run_id, timer_key, namespace, due_at)
      SELECT run, v ->> 0, v ->> 1, (v ->> 2)::bigint FROM jsonb_array_elements(x -> 'timersAdded') v
      ON CONFLICT (run_id, timer_key) DO UPDATE SET namespace = excluded.namespace, due_at = excluded.due_at;
    END IF;
    IF jsonb_array_length(x -> 'activitiesRemoved') > 0 THEN
      DELETE FROM activity_infos WHERE run_id = run
        AND seq IN (SELECT jsonb_array_elements_text(x -> 'activitiesRemoved')::integer);
    END IF;
    IF jsonb_array_length(x -> 'activities') > 0 THEN
      INSERT INTO activity_infos (run_id, seq, data)
      SELECT run, (v ->> 0)::integer, v ->> 1 FROM jsonb_array_elements(x -> 'activities') v
      ON CONFLICT (run_id, seq) DO UPDATE SET data = excluded.data;
    END IF;
    IF (x #>> '{buffered,rewrite}')::boolean THEN
      DELETE FROM buffered_events WHERE run_id = run;
    END IF;
    IF jsonb_array_length(x #> '{buffered,rows}') > 0 THEN
      INSERT INTO buffered_events (run_id, idx, data)
      SELECT run, (v ->> 0)::integer, v ->> 1 FROM jsonb_array_elements(x #> '{buffered,rows}') v
      ON CONFLICT (run_id, idx) DO UPDATE SET data = excluded.data;
    END IF;
    IF x ? 'searchAttributes' THEN
      IF ver <> 0 THEN DELETE FROM search_attribute_values WHERE run_id = run; END IF;
      INSERT INTO search_attribute_values (run_id, name, idx, text_value, int_value, double_value)
      SELECT run, v ->> 0, (v ->> 1)::integer, v ->> 2, (v ->> 3)::bigint, (v ->> 4)::double precision
      FROM jsonb_array_elements(x -> 'searchAttributes') v;
    END IF;
    IF (x ->> 'closed')::boolean THEN
      DELETE FROM tasks WHERE run_id = run;
      -- outbox rows (x:...) outlive the run: they carry its close to other runs
      DELETE FROM timers WHERE run_id = run AND timer_key NOT LIKE 'x:%';
      DELETE FROM activity_infos WHERE run_id = run;
      DELETE FROM buffered_events WHERE run_id = run;
      UPDATE current_executions SET status = x ->> 'status'
      WHERE namespace = x ->> 'namespace' AND workflow_id = x ->> 'workflowId' AND run_id = run;
    END IF;
  END LOOP;

  IF m ? 'schedules' THEN
    FOR x IN SELECT value FROM jsonb_array_elements(m -> 'schedules') LOOP
      ver := (x ->> 3)::integer;
      run := 'sched:' || (x ->> 0) || ':' || (x ->> 1);
      IF ver = 0 THEN
        INSERT INTO schedules (namespace, schedule_id, version, state) VALUES (x ->> 0, x ->> 1, 1, x ->> 2)
        ON CONFLICT (namespace, schedule_id) DO NOTHING;
      ELSIF (x ->> 4)::boolean THEN
        DELETE FROM schedules WHERE namespace = x ->> 0 AND schedule_id = x ->> 1 AND version = ver;
      ELSE
        UPDATE schedules SET version = ver + 1, state = x ->> 2
        WHERE namespace = x ->> 0 AND schedule_id = x ->> 1 AND version = ver;
      END IF;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN
        msg := CASE WHEN ver = 0 THEN format('schedule %s already exists', x ->> 1)
                    ELSE format('schedule %s changed since version %s', x ->> 1, ver) END;
        IF wrote THEN RAISE EXCEPTION USING ERRCODE = 'WF409', MESSAGE = msg; END IF;
        RETURN msg;
      END IF;
      wrote := true;
      IF x ->> 5 IS NULL OR (x ->> 4)::boolean THEN
        DELETE FROM timers WHERE run_id = run AND timer_key = 'wake';
      ELSE
        INSERT INTO timers (run_id, timer_key, namespace, due_at) VALUES (run, 'wake', x ->> 0, (x ->> 5)::bigint)
        ON CONFLICT (run_id, timer_key) DO UPDATE SET namespace = excluded.namespace, due_at = excluded.due_at;
      END IF;
    END LOOP;
  END IF;
  RETURN NULL;
END
$fn$;
