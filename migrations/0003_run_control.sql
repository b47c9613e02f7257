-- Cross-process run control. A run is trained by the process that queued it (the CLI's `run` or
-- `sweep`, `serve`, or the desktop app): owner_pid. `hmpo-lab stop RUN` from any other process sets
-- stop_requested_at; the owner sees it on its next heartbeat and stops the run gracefully. Start-up
-- reconciliation uses owner_pid to stop queued runs whose owner is gone.
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN stop_requested_at INTEGER;
