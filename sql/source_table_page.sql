-- source_table_page.sql: one page of a table source, as the database wrote it to a CSV file (text
-- columns under the source's names), into temp table source_records in file order, which is the
-- page's (watermark, key) order. Parameters: $path.
create or replace temp table source_records as
select *
from read_csv($path, header = true, all_varchar = true)
