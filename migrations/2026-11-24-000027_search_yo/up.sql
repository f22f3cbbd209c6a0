-- Search columns fold `ё` to `е` (crm_core::search_key), so "семенова" finds "Семёнова".
-- The stored search forms are re-derived; employees' `name_search` is refreshed at start-up
-- from the same function.
UPDATE clients SET search_name = replace(search_name, 'ё', 'е') WHERE instr(search_name, 'ё') > 0;
UPDATE products SET name_lower = replace(name_lower, 'ё', 'е') WHERE instr(name_lower, 'ё') > 0;
UPDATE news_posts SET title_lower = replace(title_lower, 'ё', 'е') WHERE instr(title_lower, 'ё') > 0;
