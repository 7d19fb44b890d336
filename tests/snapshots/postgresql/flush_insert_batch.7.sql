SELECT setval(pg_get_serial_sequence('"books"', 'id'), GREATEST((SELECT coalesce(max("id"), 0) + 1 FROM "books"), nextval(pg_get_serial_sequence('"books"', 'id'))), false)
-- params: []
