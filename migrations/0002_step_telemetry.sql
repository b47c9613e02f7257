-- 0002_step_telemetry: what the trainer records per optimizer step (StepRecord). Sized for tens of
-- millions of rows: every table is WITHOUT ROWID and clustered on a short integer primary key that
-- starts with run_id (so it also serves cascade deletes), metric names are interned as integers, and
-- there are no secondary indexes. NaN cannot be stored in SQLite (it becomes NULL), so in a REAL
-- value column NULL means "measured, not a number"; a metric that was not measured has no row.

-- The metric-name dictionary (src-shared/metrics.ts keys), filled on first use.
CREATE TABLE metric_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
) STRICT;

-- One row per optimizer step: the x-axes other than the step itself.
CREATE TABLE steps (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  rollout INTEGER NOT NULL,
  samples INTEGER NOT NULL,                   -- sequences sampled so far
  wall_time REAL,                             -- seconds since training started
  skipped INTEGER NOT NULL CHECK (skipped IN (0, 1)),  -- skipped for a NaN/Inf loss or gradient
  PRIMARY KEY (run_id, step)
) STRICT, WITHOUT ROWID;

-- Scalar metrics, full resolution: (run, key, step) -> value. The clustered key is the index: a
-- series read is one contiguous range. No foreign key on key_id: keys are never deleted, and the
-- extra lookup per inserted row is measurable.
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  value REAL,                                 -- NULL = NaN
  PRIMARY KEY (run_id, key_id, step)
) STRICT, WITHOUT ROWID;

-- Per run and key: last value (at the largest step), min/max over the non-NaN values (NULL if all
-- were NaN) and the row count, kept current by every insert batch: the run table's "last"/"best"
-- columns without scanning metrics.
CREATE TABLE metric_summaries (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key_id INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  last_value REAL,
  min_value REAL,
  max_value REAL,
  count INTEGER NOT NULL,
  PRIMARY KEY (run_id, key_id)
) STRICT, WITHOUT ROWID;

-- Downsampling pyramid: for level L the series is cut into aligned blocks of 2^(L+2) steps, block b
-- covering steps [b * 2^(L+2), (b+1) * 2^(L+2)). A block is written once, when the run's steps have
-- passed its end, with the min/max of its non-NaN values and its last point. Compare queries read one
-- row per chart bucket from here instead of aggregating every step (see metric-rollups.ts).
CREATE TABLE metric_rollups (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key_id INTEGER NOT NULL,
  level INTEGER NOT NULL,
  block INTEGER NOT NULL,
  min_value REAL,
  max_value REAL,
  last_step INTEGER NOT NULL,
  last_value REAL,
  PRIMARY KEY (run_id, key_id, level, block)
) STRICT, WITHOUT ROWID;

-- AM-GM telemetry per step: pre-iteration batch means A0, G0, H0 of the token ratios, the mean the
-- objective used in the end, and AGM iterations (agm preset). NULL: not measured, or not finite.
CREATE TABLE agm_states (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  a0 REAL,
  g0 REAL,
  h0 REAL,
  final_mean REAL,
  iterations REAL,
  PRIMARY KEY (run_id, step)
) STRICT, WITHOUT ROWID;

-- Max pre-softmax attention logit per step, layer and head, and whether QK-clip rescaled the head.
CREATE TABLE qk_stats (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  layer INTEGER NOT NULL,
  head INTEGER NOT NULL,
  max_logit REAL,                             -- NULL = NaN
  clipped INTEGER NOT NULL CHECK (clipped IN (0, 1)),
  clip_gamma REAL,                            -- factor the head's logits were scaled by, when clipped
  PRIMARY KEY (run_id, step, layer, head)
) STRICT, WITHOUT ROWID;

-- Token log-ratio histogram per step as binned counts: [underflow, bins..., overflow] over
-- [bin_min, bin_max) split into length - 2 equal bins (src-shared/metrics.ts LOG_RATIO_HIST_*).
CREATE TABLE log_ratio_histograms (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  bin_min REAL NOT NULL,
  bin_max REAL NOT NULL,
  counts_json TEXT NOT NULL CHECK (json_valid(counts_json)),
  PRIMARY KEY (run_id, step)
) STRICT, WITHOUT ROWID;
