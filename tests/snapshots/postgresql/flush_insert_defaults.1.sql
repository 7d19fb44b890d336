INSERT INTO "memos" ("uid", "body", "stamped_on") VALUES ($1, $2, $3), ($4, $5, $6) RETURNING "uid", "body", "status", "token", "created_at", "updated_at", "stamped_on"
-- params: ['0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f60', 'hi', '2026-11-22', '0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f61', 'hi', '2026-11-22']
