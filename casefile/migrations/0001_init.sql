-- 0001_init: the first Picket case file schema.
--
-- Conventions:
--   * every timestamp is INTEGER unix milliseconds (UTC); NULL means "never"
--     for expires_at columns;
--   * enumerations are TEXT guarded by CHECK constraints;
--   * detector_id '*' means "every detector";
--   * tables are STRICT so a wrongly typed value is an error, not a surprise.
--
-- The migration runner executes this file inside one BEGIN IMMEDIATE
-- transaction and sets user_version afterwards.

-- 0x5049434B = "PICK": marks the file as a Picket case file.
PRAGMA application_id = 1346978635;

CREATE TABLE cases (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL CHECK (title <> ''),
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'in_progress', 'closed')),
    severity    TEXT    NOT NULL DEFAULT 'medium'
                CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX cases_status_updated_idx ON cases (status, updated_at);

-- Links a case to the things it is about.
CREATE TABLE case_items (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    item_kind TEXT    NOT NULL CHECK (item_kind IN ('finding', 'alert', 'group')),
    item_key  TEXT    NOT NULL CHECK (item_key <> ''),
    added_at  INTEGER NOT NULL,
    added_by  TEXT    NOT NULL DEFAULT '',
    UNIQUE (case_id, item_kind, item_key)
) STRICT;
CREATE INDEX case_items_item_idx ON case_items (item_kind, item_key);

CREATE TABLE notes (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER REFERENCES cases (id) ON DELETE CASCADE,
    target_kind TEXT    NOT NULL
                CHECK (target_kind IN ('case', 'finding', 'alert', 'group')),
    target_key  TEXT    NOT NULL CHECK (target_key <> ''),
    body        TEXT    NOT NULL CHECK (body <> ''),
    author      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX notes_target_idx ON notes (target_kind, target_key, created_at);
CREATE INDEX notes_case_idx ON notes (case_id) WHERE case_id IS NOT NULL;

-- One row per (detector, target, playbook item).
CREATE TABLE checklist_state (
    detector_id TEXT    NOT NULL CHECK (detector_id <> ''),
    target_key  TEXT    NOT NULL CHECK (target_key <> ''),
    item_id     TEXT    NOT NULL CHECK (item_id <> ''),
    checked     INTEGER NOT NULL DEFAULT 0 CHECK (checked IN (0, 1)),
    checked_by  TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (detector_id, target_key, item_id)
) STRICT, WITHOUT ROWID;

-- Workflow state of an alert, local or mirrored from Elastic.
-- pending_push = 1 means the change still has to be sent to Elastic.
CREATE TABLE alert_status (
    alert_id     TEXT    PRIMARY KEY CHECK (alert_id <> ''),
    source       TEXT    NOT NULL CHECK (source IN ('local', 'elastic')),
    status       TEXT    NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'acknowledged', 'closed')),
    tags         TEXT    NOT NULL DEFAULT '[]'
                 CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT    NOT NULL DEFAULT '',
    pending_push INTEGER NOT NULL DEFAULT 0 CHECK (pending_push IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX alert_status_pending_idx ON alert_status (updated_at) WHERE pending_push = 1;

-- Detector exceptions; entries is a JSON array of match conditions.
CREATE TABLE exceptions (
    id          INTEGER PRIMARY KEY,
    detector_id TEXT    NOT NULL CHECK (detector_id <> ''),
    entries     TEXT    NOT NULL
                CHECK (json_valid(entries) AND json_type(entries) = 'array'),
    reason      TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER CHECK (expires_at IS NULL OR expires_at > created_at)
) STRICT;
CREATE INDEX exceptions_detector_idx ON exceptions (detector_id, expires_at);

CREATE TABLE allowlists (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL
                CHECK (kind IN ('ip', 'cidr', 'user_agent', 'path', 'user', 'domain')),
    value       TEXT    NOT NULL CHECK (value <> ''),
    detector_id TEXT    NOT NULL DEFAULT '*' CHECK (detector_id <> ''),
    reason      TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER CHECK (expires_at IS NULL OR expires_at > created_at),
    UNIQUE (kind, value, detector_id)
) STRICT;
CREATE INDEX allowlists_detector_idx ON allowlists (detector_id, kind);
