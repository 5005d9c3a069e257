-- 0003_group_keys: cases remember the grouping they were made under, and
-- campaigns the groups they fold.
--
-- A case's key (case_key) is triage.GroupKey.String(): "ADDRESS USER-AGENT"
-- for the default grouping, as case files have always stored it; a JSON
-- array of [field, value] pairs for a group under another chain
-- ([["user.name","anna"]]); [["campaign", id]] for a folded campaign.
-- group_by names the chain a case was made under
-- ("source.ip,user_agent.original", "user.name,source.ip", "campaign"), ''
-- for a case opened by hand. Every keyed case made before this migration
-- was made under the default grouping; a JSON key (none were written
-- before) gives its own fields.
ALTER TABLE cases ADD COLUMN group_by TEXT NOT NULL DEFAULT '';
UPDATE cases SET group_by = CASE
        WHEN case_key LIKE '[%' AND json_valid(case_key)
            THEN coalesce((SELECT group_concat(json_extract(j.value, '$[0]'), ',')
                           FROM json_each(cases.case_key) AS j), '')
        ELSE 'source.ip,user_agent.original'
    END
    WHERE case_key IS NOT NULL;

-- The groups a campaign folded when the analyst acted on it. A status or
-- note set on a campaign is set on each of these in the same transaction;
-- the list says which groups the campaign's case stands for even after a
-- re-run folds differently.
CREATE TABLE campaign_members (
    campaign_key TEXT    NOT NULL CHECK (campaign_key <> ''),
    member_key   TEXT    NOT NULL CHECK (member_key <> ''),
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (campaign_key, member_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX campaign_members_member_idx ON campaign_members (member_key);
