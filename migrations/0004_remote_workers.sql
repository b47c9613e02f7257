-- Remote workers (hmpo-lab worker, issue 12): where a run trained, and the BullMQ job that carries a
-- remote run, so an app that restarts mid-sweep finds its remote runs and reads on from their streams.
-- Both stay NULL for runs trained locally.
ALTER TABLE runs ADD COLUMN worker TEXT;        -- name of the worker machine/process that trained it
ALTER TABLE runs ADD COLUMN remote_job TEXT;    -- BullMQ job id (src-main/workers/remote-protocol.ts jobIdOf)
