-- Many servers on one database (src/server/cluster): change notices published with the mutations that cause
-- them, messages too large for a notice, and the workers every server has seen polling.
--
-- weft_commit now publishes each applied mutation's notices (m -> 'notices', strings of at most 8000 bytes)
-- on channel weft_changes. NOTIFY is transactional, subtransactions included: a mutation that is undone, or a
-- batch that does not commit, publishes nothing; the listeners get the notices after the commit, in commit
-- order.

CREATE OR REPLACE FUNCTION weft_commit(batch jsonb) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
  outcome text[] := '{}';
  m jsonb;
  r text;
BEGIN
  BEGIN
    FOR m IN SELECT value FROM jsonb_array_elements(batch) LOOP
      r := weft_apply(m);
      IF r IS NULL AND m ? 'notices' THEN
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
      IF r IS NULL AND m ? 'notices' THEN
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

CREATE TABLE cluster_messages (
  id         text   COLLATE "C" NOT NULL PRIMARY KEY,
  body       text   NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX cluster_messages_by_age ON cluster_messages (created_at);

CREATE TABLE cluster_pollers (
  namespace   text   COLLATE "C" NOT NULL,
  task_queue  text   COLLATE "C" NOT NULL,
  identity    text   COLLATE "C" NOT NULL,
  build_id    text,
  first_seen  bigint NOT NULL,
  last_seen   bigint NOT NULL,
  PRIMARY KEY (namespace, task_queue, identity)
);
CREATE INDEX cluster_pollers_by_age ON cluster_pollers (last_seen);
