-- Custom search attributes. The registry holds each namespace's attributes and their types; a query names
-- them like built-in fields, and a start or an upsert is checked against it.
CREATE TABLE search_attributes (
  namespace  TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  type       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, name)
) WITHOUT ROWID, STRICT;

-- The values of a run's search attributes, one row per value (a KeywordList has one row per item), rewritten
-- whenever they change, in the same mutation as the run. A value fills every column it can be read as (a string
-- is text, and epoch ms when it is an ISO time; a number is a double, and an integer when it is one; a boolean is
-- 0 or 1 in int_value), so the writer needs no registry; a query reads the column of the attribute's type.
-- A query on an attribute is `run_id IN (SELECT run_id FROM search_attribute_values WHERE name = ? AND ...)`,
-- served by the (name, value) indexes.
CREATE TABLE search_attribute_values (
  run_id       TEXT    NOT NULL,
  name         TEXT    NOT NULL,
  idx          INTEGER NOT NULL,
  text_value   TEXT,
  int_value    INTEGER,
  double_value REAL,
  PRIMARY KEY (run_id, name, idx)
) WITHOUT ROWID, STRICT;
CREATE INDEX search_attribute_values_text ON search_attribute_values (name, text_value, run_id);
CREATE INDEX search_attribute_values_int ON search_attribute_values (name, int_value, run_id);
CREATE INDEX search_attribute_values_double ON search_attribute_values (name, double_value, run_id);
