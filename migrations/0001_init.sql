-- 0001_init: the run manager's records. Sweeps, runs (one row per training process, with its config
-- verbatim), the per-run event log and model checkpoints (the weights live in files beside the
-- database; these rows point at them). Per-step telemetry is 0002. Conventions: snake_case columns,
-- plural tables, times as INTEGER milliseconds since the Unix epoch (UTC), JSON in *_json TEXT
-- columns, STRICT tables so a wrongly typed value fails loudly instead of being stored.

-- A sweep: the base config, its axes and the seeds that were multiplied into runs.
CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,       -- AUTOINCREMENT: ids are never reused after a delete
  name TEXT NOT NULL,
  base_config_json TEXT NOT NULL CHECK (json_valid(base_config_json)),
  axes_json TEXT NOT NULL CHECK (json_valid(axes_json)),     -- [{"path": "objective.preset", "values": [...]}, ...]
  seeds_json TEXT NOT NULL CHECK (json_valid(seeds_json)),   -- [0, 1, 2, ...]
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE runs (
  -- AUTOINCREMENT: a deleted run's id (and its checkpoint folder name) never comes back for another run.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sweep_id INTEGER REFERENCES sweeps (id) ON DELETE SET NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'finished', 'failed', 'stopped', 'crashed')),
  objective_preset TEXT NOT NULL,             -- config.objective.preset, the "mean type"
  seed INTEGER NOT NULL,                      -- config.seed
  task TEXT NOT NULL,                         -- config.task
  config_json TEXT NOT NULL CHECK (json_valid(config_json)),  -- the validated RunConfig, verbatim
  config_hash TEXT NOT NULL,                  -- sha256 of the canonical config minus seed and name: the grouping key
  backend TEXT,                               -- tfjs backend the trainer actually used (null until started)
  app_version TEXT NOT NULL,
  pid INTEGER,                                -- trainer process id while it runs
  exit_code INTEGER,
  error TEXT,                                 -- why it failed or crashed
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  heartbeat_at INTEGER,                       -- last sign of life from the trainer
  tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json)),
  notes TEXT NOT NULL DEFAULT ''
) STRICT;
-- Listing a sweep's runs, and ON DELETE SET NULL when a sweep goes, without scanning every run.
CREATE INDEX runs_sweep_id ON runs (sweep_id);

-- Things that happen at a point in time: status changes, non-finite skips, QK clips, errors, evals.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER,                               -- optimizer step, when the event belongs to one
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  payload_json TEXT NOT NULL CHECK (json_valid(payload_json))
) STRICT;
-- Per-run listing in insertion order (the rowid rides along in the index) and cascade deletes.
CREATE INDEX events_run_id ON events (run_id);

-- Saved weights: the file lives in the checkpoints folder beside the database, named by file_name.
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('final', 'periodic')),
  file_name TEXT NOT NULL UNIQUE,             -- relative to the checkpoints folder, e.g. run-7/final-200.ckpt
  byte_size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (run_id, kind, step)                 -- also serves per-run listing and cascade deletes
) STRICT;
