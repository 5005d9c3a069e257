-- 0002_cases: cases worked in the console, their links, observables and
-- timeline; Kibana metadata on exceptions.
--
-- cases: status follows the alert workflow (open, acknowledged, closed)
-- instead of 0001's in_progress (existing rows are mapped); a case has the
-- key of the group it was opened for, an assignee and its creator.
-- case_items: may link events too, and keeps a JSON snapshot of what it
-- links (a finding as Picket prints it, an event's document) so a report
-- can be written without the source data.
--
-- SQLite cannot change a CHECK constraint in place, so cases is rebuilt.
-- The runner executes this inside one transaction with foreign keys on,
-- where a DROP TABLE of a parent would cascade into its children: the
-- children are therefore rebuilt against the new parent first, the old
-- tables dropped children first, and the new tables renamed into place
-- (RENAME rewrites the children's REFERENCES clauses).

CREATE TABLE cases_new (
    id          INTEGER PRIMARY KEY,
    case_key    TEXT    UNIQUE CHECK (case_key IS NULL OR case_key <> ''),
    title       TEXT    NOT NULL CHECK (title <> ''),
    description TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'acknowledged', 'closed')),
    severity    TEXT    NOT NULL DEFAULT 'medium'
                CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    assignee    TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
INSERT INTO cases_new (id, title, description, status, severity, created_at, updated_at)
    SELECT id, title, description,
           CASE status WHEN 'in_progress' THEN 'acknowledged' ELSE status END,
           severity, created_at, updated_at
    FROM cases;

CREATE TABLE case_items_new (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases_new (id) ON DELETE CASCADE,
    item_kind TEXT    NOT NULL CHECK (item_kind IN ('finding', 'alert', 'group', 'event')),
    item_key  TEXT    NOT NULL CHECK (item_key <> ''),
    data      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    added_at  INTEGER NOT NULL,
    added_by  TEXT    NOT NULL DEFAULT '',
    UNIQUE (case_id, item_kind, item_key)
) STRICT;
INSERT INTO case_items_new (id, case_id, item_kind, item_key, added_at, added_by)
    SELECT id, case_id, item_kind, item_key, added_at, added_by FROM case_items;

CREATE TABLE notes_new (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER REFERENCES cases_new (id) ON DELETE CASCADE,
    target_kind TEXT    NOT NULL
                CHECK (target_kind IN ('case', 'finding', 'alert', 'group')),
    target_key  TEXT    NOT NULL CHECK (target_key <> ''),
    body        TEXT    NOT NULL CHECK (body <> ''),
    author      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;
INSERT INTO notes_new SELECT id, case_id, target_kind, target_key, body, author, created_at FROM notes;

DROP TABLE case_items;
DROP TABLE notes;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
ALTER TABLE case_items_new RENAME TO case_items;
ALTER TABLE notes_new RENAME TO notes;

CREATE INDEX cases_status_updated_idx ON cases (status, updated_at);
CREATE INDEX case_items_item_idx ON case_items (item_kind, item_key);
CREATE INDEX notes_target_idx ON notes (target_kind, target_key, created_at);
CREATE INDEX notes_case_idx ON notes (case_id) WHERE case_id IS NOT NULL;

-- What a report lists as indicators: addresses, user agents, user names,
-- URLs, session ids, domains seen in the case's evidence.
CREATE TABLE case_observables (
    case_id    INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL
               CHECK (kind IN ('ip', 'user_agent', 'user', 'url', 'session', 'domain')),
    value      TEXT    NOT NULL CHECK (value <> ''),
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (case_id, kind, value)
) STRICT, WITHOUT ROWID;

-- The case's own timeline: opened, status and assignee changes, links,
-- ticks, notes and exceptions, each with who and when.
CREATE TABLE case_activity (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL DEFAULT '',
    kind    TEXT    NOT NULL CHECK (kind <> ''),
    detail  TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX case_activity_case_idx ON case_activity (case_id, at);

-- Kibana exception list metadata, so an imported list exports unchanged.
ALTER TABLE exceptions ADD COLUMN item_id TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN list_id TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN namespace_type TEXT NOT NULL DEFAULT 'single'
    CHECK (namespace_type IN ('single', 'agnostic'));
ALTER TABLE exceptions ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(tags) AND json_type(tags) = 'array');
ALTER TABLE exceptions ADD COLUMN comments TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(comments) AND json_type(comments) = 'array');
ALTER TABLE exceptions ADD COLUMN case_id INTEGER REFERENCES cases (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX exceptions_item_idx ON exceptions (list_id, item_id) WHERE item_id <> '';
