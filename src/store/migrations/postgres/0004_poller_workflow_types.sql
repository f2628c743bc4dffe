-- The workflow types each worker serves (JSON array text; NULL when the worker did not say), so any server can
-- tell which running workflow types have no worker (describe, the UI's overview, the stuck-workflow report).
ALTER TABLE cluster_pollers ADD COLUMN workflow_types text;
