-- 0005_value_lists: Elastic value lists, and the Kibana exception list
-- containers an import read.
--
-- value_lists holds one row per list (Kibana's list id and type) and
-- value_list_items its values, trimmed and distinct, as Kibana's import
-- stores them. exception_lists keeps the containers of imported exception
-- lists (list_id, namespace), so a rule's exceptions_list that names an
-- imported list with no item left is not reported missing.

CREATE TABLE value_lists (
    id          TEXT    PRIMARY KEY CHECK (id <> ''),
    type        TEXT    NOT NULL CHECK (type IN ('ip', 'ip_range', 'keyword')),
    name        TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL DEFAULT '',
    imported_by TEXT    NOT NULL DEFAULT '',
    imported_at INTEGER NOT NULL
) STRICT;

CREATE TABLE value_list_items (
    list_id TEXT NOT NULL REFERENCES value_lists (id) ON DELETE CASCADE,
    value   TEXT NOT NULL CHECK (value <> ''),
    PRIMARY KEY (list_id, value)
) STRICT, WITHOUT ROWID;

CREATE TABLE exception_lists (
    list_id        TEXT NOT NULL CHECK (list_id <> ''),
    namespace_type TEXT NOT NULL DEFAULT 'single'
                   CHECK (namespace_type IN ('single', 'agnostic')),
    name           TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    type           TEXT NOT NULL DEFAULT 'detection',
    imported_at    INTEGER NOT NULL,
    PRIMARY KEY (list_id, namespace_type)
) STRICT;
