-- 0003_reserved: a placeholder so that 0005 applies on this branch.
-- Version 3 belongs to another branch's migration; at integration this
-- file is deleted in favour of it (two files of one version fail
-- loadMigrations, so a forgotten placeholder cannot go unnoticed).
SELECT 1;
