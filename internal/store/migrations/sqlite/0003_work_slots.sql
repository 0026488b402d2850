-- work_slots: leases that bound how many media tasks run at once. One row
-- per (scope, n): scope "user:<id>:<kind>" has the single slot n = 0 (one
-- running task per user per tool, API.md §3.8); scope "provider:<kind>"
-- has n = 0 … cap-1 when a global cap is configured. A slot is taken with a
-- conditional upsert and held by renewing lease_until; a worker that dies
-- stops renewing, and the slot is free again when the lease runs out.
CREATE TABLE work_slots (
    scope       TEXT NOT NULL,
    n           INTEGER NOT NULL,
    task_id     TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    PRIMARY KEY (scope, n)
);
CREATE INDEX work_slots_lease ON work_slots (lease_until);

-- announced: the task's "pending" status has been pushed to its owner once
-- (by the first worker that picked its job up).
ALTER TABLE media_tasks ADD COLUMN announced BOOLEAN NOT NULL DEFAULT FALSE;

-- The reaper looks for unfinished head tasks nobody works on (their job
-- was running in a process that died before it took the slot).
CREATE INDEX media_tasks_pending ON media_tasks (updated_at) WHERE status = 'pending';
