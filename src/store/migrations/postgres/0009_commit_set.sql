-- weft_commit_set(b, self_pid): a large batch written set-based, one statement per table for the whole batch
-- instead of weft_commit's statements per mutation (migrations 0002, 0005, 0007, 0008), where plpgsql and
-- each statement's start-up cost more than the rows themselves. `b` is the batch flattened by table
-- (src/store/postgres/commit-set.ts builds it; the keys below), each row with its run id first.
--
-- It applies the whole batch or nothing: it returns true when every mutation applied, false when any check
-- failed (a version, an existing run, the current run) or any statement erred, and then nothing of it is left
-- (the subtransaction is undone). The caller then sends the same batch to weft_commit, which reports each
-- mutation alone. So the result is what weft_commit would have written, mutation for mutation; the caller
-- only sends batches where that holds: no run and no workflow id twice, no schedules.
--
-- Keys of `b` (absent when empty): ci/cu current runs inserted/moved, ei/eu executions inserted/updated, ev
-- history events, td/ta tasks removed/added, md/ma timers removed/added, ad/aa activities removed/upserted,
-- br/ba buffered events rewritten (runs)/written, sd/sa search attribute values replaced (runs)/written, cl
-- closed runs, no notices. Within a run the order is weft_apply's: removals before additions, a close's sweeps
-- last. While other servers listen (a cluster; see migration 0007), rows of executions are locked in run id
-- order first, as weft_commit's callers order their mutations, so servers writing the same runs wait for each
-- other instead of deadlocking; a server alone on its database skips that (13 % of a batch's time).

CREATE FUNCTION weft_commit_set(b jsonb, self_pid integer) RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
  n integer;
  tell boolean;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(2003134070);
  tell := EXISTS (SELECT 1 FROM weft_listeners WHERE pid <> self_pid);
  BEGIN
    IF b ? 'ci' THEN
      INSERT INTO current_executions (namespace, workflow_id, run_id, status)
      SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3 FROM jsonb_array_elements(b -> 'ci') v
      ON CONFLICT (namespace, workflow_id) DO NOTHING;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> jsonb_array_length(b -> 'ci') THEN RAISE EXCEPTION USING ERRCODE = 'WF409'; END IF;
    END IF;
    IF b ? 'cu' THEN
      UPDATE current_executions c SET run_id = v ->> 2, status = v ->> 3
      FROM jsonb_array_elements(b -> 'cu') v
      WHERE c.namespace = v ->> 0 AND c.workflow_id = v ->> 1 AND c.run_id = v ->> 4;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> jsonb_array_length(b -> 'cu') THEN RAISE EXCEPTION USING ERRCODE = 'WF409'; END IF;
    END IF;
    IF b ? 'ei' THEN
      INSERT INTO executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, start_time,
        close_time, history_length, last_progress, version, state)
      SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, v ->> 5, (v ->> 6)::bigint, (v ->> 7)::bigint,
        (v ->> 8)::integer, (v ->> 9)::bigint, 1, v ->> 10
      FROM jsonb_array_elements(b -> 'ei') v
      ON CONFLICT (run_id) DO NOTHING;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> jsonb_array_length(b -> 'ei') THEN RAISE EXCEPTION USING ERRCODE = 'WF409'; END IF;
    END IF;
    IF b ? 'eu' THEN
      -- with other servers on the database, lock in run id order first (no other server: nobody to deadlock with)
      IF tell THEN
        PERFORM 1 FROM executions WHERE run_id IN (SELECT v ->> 0 FROM jsonb_array_elements(b -> 'eu') v)
        ORDER BY run_id FOR UPDATE;
      END IF;
      UPDATE executions e SET status = v ->> 2, close_time = (v ->> 3)::bigint, last_progress = (v ->> 4)::bigint,
        history_length = (v ->> 5)::integer, version = (v ->> 1)::integer + 1, state = v ->> 6
      FROM jsonb_array_elements(b -> 'eu') v
      WHERE e.run_id = v ->> 0 AND e.version = (v ->> 1)::integer;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> jsonb_array_length(b -> 'eu') THEN RAISE EXCEPTION USING ERRCODE = 'WF409'; END IF;
    END IF;
    IF b ? 'ev' THEN
      INSERT INTO history_events (run_id, event_id, event_type, event_time, data)
      SELECT v ->> 0, (v ->> 1)::integer, v ->> 2, v ->> 3, v ->> 4 FROM jsonb_array_elements(b -> 'ev') v;
    END IF;
    IF b ? 'td' THEN
      DELETE FROM tasks t USING jsonb_array_elements(b -> 'td') v WHERE t.run_id = v ->> 0 AND t.task_key = v ->> 1;
    END IF;
    IF b ? 'ta' THEN
      INSERT INTO tasks (run_id, task_key, namespace, task_queue, kind, sticky_identity, created_at, priority)
      SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, v ->> 5, (v ->> 6)::bigint, (v ->> 7)::integer
      FROM jsonb_array_elements(b -> 'ta') v
      ON CONFLICT (run_id, task_key) DO UPDATE SET id = nextval('tasks_id_seq'), namespace = excluded.namespace,
        task_queue = excluded.task_queue, kind = excluded.kind, sticky_identity = excluded.sticky_identity,
        created_at = excluded.created_at, priority = excluded.priority;
    END IF;
    IF b ? 'md' THEN
      DELETE FROM timers t USING jsonb_array_elements(b -> 'md') v WHERE t.run_id = v ->> 0 AND t.timer_key = v ->> 1;
    END IF;
    IF b ? 'ma' THEN
      INSERT INTO timers (run_id, timer_key, namespace, due_at)
      SELECT v ->> 0, v ->> 1, v ->> 2, (v ->> 3)::bigint FROM jsonb_array_elements(b -> 'ma') v
      ON CONFLICT (run_id, timer_key) DO UPDATE SET namespace = excluded.namespace, due_at = excluded.due_at;
    END IF;
    IF b ? 'ad' THEN
      DELETE FROM activity_infos a USING jsonb_array_elements(b -> 'ad') v
      WHERE a.run_id = v ->> 0 AND a.seq = (v ->> 1)::integer;
    END IF;
    IF b ? 'aa' THEN
      INSERT INTO activity_infos (run_id, seq, data)
      SELECT v ->> 0, (v ->> 1)::integer, v ->> 2 FROM jsonb_array_elements(b -> 'aa') v
      ON CONFLICT (run_id, seq) DO UPDATE SET data = excluded.data;
    END IF;
    IF b ? 'br' THEN
      DELETE FROM buffered_events WHERE run_id IN (SELECT jsonb_array_elements_text(b -> 'br'));
    END IF;
    IF b ? 'ba' THEN
      INSERT INTO buffered_events (run_id, idx, data)
      SELECT v ->> 0, (v ->> 1)::integer, v ->> 2 FROM jsonb_array_elements(b -> 'ba') v
      ON CONFLICT (run_id, idx) DO UPDATE SET data = excluded.data;
    END IF;
    IF b ? 'sd' THEN
      DELETE FROM search_attribute_values WHERE run_id IN (SELECT jsonb_array_elements_text(b -> 'sd'));
    END IF;
    IF b ? 'sa' THEN
      INSERT INTO search_attribute_values (run_id, name, idx, text_value, int_value, double_value)
      SELECT v ->> 0, v ->> 1, (v ->> 2)::integer, v ->> 3, (v ->> 4)::bigint, (v ->> 5)::double precision
      FROM jsonb_array_elements(b -> 'sa') v;
    END IF;
    IF b ? 'cl' THEN
      DELETE FROM tasks WHERE run_id IN (SELECT v ->> 0 FROM jsonb_array_elements(b -> 'cl') v);
      DELETE FROM timers WHERE run_id IN (SELECT v ->> 0 FROM jsonb_array_elements(b -> 'cl') v)
        AND timer_key NOT LIKE 'x:%';
      DELETE FROM activity_infos WHERE run_id IN (SELECT v ->> 0 FROM jsonb_array_elements(b -> 'cl') v);
      DELETE FROM buffered_events WHERE run_id IN (SELECT v ->> 0 FROM jsonb_array_elements(b -> 'cl') v);
      UPDATE current_executions c SET status = v ->> 1 FROM jsonb_array_elements(b -> 'cl') v
      WHERE c.namespace = v ->> 2 AND c.workflow_id = v ->> 3 AND c.run_id = v ->> 0;
    END IF;
    IF tell AND b ? 'no' THEN
      PERFORM pg_notify('weft_changes', x) FROM jsonb_array_elements_text(b -> 'no') AS x;
    END IF;
    RETURN true;
  EXCEPTION WHEN OTHERS THEN
    RETURN false;
  END;
END
$fn$;
