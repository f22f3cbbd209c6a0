-- Irreversible data change: the folded search forms stay. The original spellings are kept in
-- the name and title columns themselves.
SELECT 1;
