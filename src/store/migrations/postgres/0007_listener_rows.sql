-- The servers that listen, as rows: weft_commit's "does another server listen?" becomes an index lookup.
--
-- Migration 0005 answered it by reading pg_stat_get_activity(NULL) on every commit, which builds the status of every
-- backend of the cluster: about 0.1-0.2 ms of the database's time per commit on the bench machine (a small commit
-- is 0.5-1.5 ms), and more as connections grow. Now each cluster link (src/store/postgres/pg-cluster.ts) writes a
-- row with its backend pid when it starts listening, under the same exclusive join lock (key 2003134070) that
-- 0005's argument rests on: every commit takes that lock shared before it looks, so a commit that did not see the
-- new row has committed before the newcomer reads anything, and every later commit sees the row. A link deletes
-- its row when it stops; the row of a link that died (a killed server, a lost connection) is swept, under the join
-- lock, by the next link that joins and by the leader within a few seconds (a backend pid that no longer belongs
-- to a listening link). Until then commits notify a listener that is gone: needless work, never a lost notice.

CREATE TABLE weft_listeners (
  pid       integer PRIMARY KEY,
  joined_at timestamptz NOT NULL DEFAULT now()
);

-- the links listening while this migration runs (servers of the version before, in a rolling upgrade) stay told
SELECT pg_advisory_xact_lock(2003134070);
INSERT INTO weft_listeners (pid)
SELECT a.pid FROM pg_stat_get_activity(NULL) a
WHERE a.application_name = 'weft-cluster'
  AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
ON CONFLICT (pid) DO NOTHING;

CREATE OR REPLACE FUNCTION weft_commit(batch jsonb, self_pid integer) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
  outcome text[] := '{}';
  m jsonb;
  r text;
  tell boolean;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(2003134070);
  tell := EXISTS (SELECT 1 FROM weft_listeners WHERE pid <> self_pid);
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
