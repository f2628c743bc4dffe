-- Notices only when another server listens. NOTIFY costs every commit a third or more of its time (the
-- notification queue at commit, waking the listeners), and a server alone on its database has nobody to tell.
--
-- weft_commit(batch, self_pid) publishes a mutation's notices only if a server other than the caller listens on
-- this database: a backend named 'weft-cluster' (the cluster link of src/store/postgres/pg-cluster.ts) other than
-- self_pid (the caller's own link; 0 when it has none). The check is exact, not a guess that a server joining
-- could fall through: each commit holds a shared transaction lock (key 2003134070) from before it looks until it
-- ends, and a server that starts listening takes that lock exclusively once (after LISTEN, before it reads
-- anything). So a commit that did not see the newcomer has committed before the newcomer reads the tables, and
-- every later commit notifies it.

CREATE FUNCTION weft_commit(batch jsonb, self_pid integer) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
  outcome text[] := '{}';
  m jsonb;
  r text;
  tell boolean;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(2003134070);
  tell := EXISTS (
    SELECT 1 FROM pg_stat_get_activity(NULL) a
    WHERE a.application_name = 'weft-cluster' AND a.pid <> self_pid
      AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database()));
  BEGIN
    FOR m IN SELECT value FROM jsonb_array_elements(batch) LOOP
      r := weft_apply(m);
      IF tell AND r IS NULL AND m ? 'notices' THEN
        PERFORM pg_notify('weft_changes', n) FROM jsonb_array_elements_text(m -> 'notices') AS n;
      END IF;
      outcome := array_append(outcome, 'c:' || r);
    END LOOP;
    RETURN outcome;
  EXCEPTION WHEN OTHERS THEN
    outcome := '{}';
  END;
  FOR m IN SELECT value FROM jsonb_array_elements(batch) LOOP
    BEGIN
      r := weft_apply(m);
      IF tell AND r IS NULL AND m ? 'notices' THEN
        PERFORM pg_notify('weft_changes', n) FROM jsonb_array_elements_text(m -> 'notices') AS n;
      END IF;
      outcome := array_append(outcome, 'c:' || r);
    EXCEPTION
      WHEN SQLSTATE 'WF409' THEN outcome := array_append(outcome, 'c:' || SQLERRM);
      WHEN OTHERS THEN outcome := array_append(outcome, 'e:' || SQLSTATE || ':' || SQLERRM);
    END;
  END LOOP;
  RETURN outcome;
END
$fn$;
