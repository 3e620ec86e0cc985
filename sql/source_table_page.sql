-- source_table_page.sql: the records of one page of a table source, as the database wrote them to a
-- CSV file (text columns under the source's names, rows in the page's (watermark, key) order): the
-- relation that sql/source_mapped.sql and sql/ingest_price_keys_mapped.sql read through the
-- source's mapping. Parameters: $page_path.
read_csv($page_path, header = true, all_varchar = true)
