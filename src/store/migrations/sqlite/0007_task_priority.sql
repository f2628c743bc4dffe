-- A task's priority key (Temporal's priority: 1 is handed out first; NULL is the default, 3), so that queues
-- rebuilt at start-up hand out their tasks in the order they had (src/server/matching.ts).
ALTER TABLE tasks ADD COLUMN priority INTEGER;
