-- 0004_step_answers: the answers of checklist steps, kept with the case.
--
-- One row per (detector, target, step): the latest answer of the step's
-- action, as data (the JSON of playbooks/run's answer) and in the words
-- the console showed, with when, by whom, on which run of the detectors,
-- and over which events (the coverage columns). A step answered again
-- replaces its row; an answer from an earlier run stays until then, and
-- the console marks it as such.
CREATE TABLE step_answers (
    detector_id TEXT    NOT NULL CHECK (detector_id <> ''),
    target_key  TEXT    NOT NULL CHECK (target_key <> ''),
    item_id     TEXT    NOT NULL CHECK (item_id <> ''),
    action      TEXT    NOT NULL DEFAULT '',
    run_id      TEXT    NOT NULL DEFAULT '',
    answered_at INTEGER NOT NULL,
    answered_by TEXT    NOT NULL DEFAULT '',
    summary     TEXT    NOT NULL DEFAULT '',
    error       TEXT    NOT NULL DEFAULT '',
    data        TEXT    NOT NULL DEFAULT '{}'
                CHECK (json_valid(data) AND json_type(data) = 'object'),
    -- Coverage: the scope and who it was narrowed to, the look-back in
    -- milliseconds (0: the whole run), the window's bounds (NULL: open),
    -- and whether the run had stopped keeping events at its cap.
    scope       TEXT    NOT NULL DEFAULT '',
    actor       TEXT    NOT NULL DEFAULT '',
    window_ms   INTEGER NOT NULL DEFAULT 0 CHECK (window_ms >= 0),
    from_at     INTEGER,
    to_at       INTEGER,
    partial     INTEGER NOT NULL DEFAULT 0 CHECK (partial IN (0, 1)),
    events_kept INTEGER NOT NULL DEFAULT 0 CHECK (events_kept >= 0),
    PRIMARY KEY (detector_id, target_key, item_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX step_answers_target_idx ON step_answers (target_key);
