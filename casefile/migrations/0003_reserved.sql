-- 0003_reserved: a placeholder that changes nothing.
--
-- Version 3 belongs to another branch's migration; this file only keeps
-- the versions gap-free (the runner requires 1, 2, 3…) so 0004 can land
-- first. When the real 0003 is merged, delete this file: two files of
-- version 3 make every Open fail loudly, so the clash cannot pass unseen.
SELECT 1;
