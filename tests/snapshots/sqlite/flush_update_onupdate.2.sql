UPDATE "memos" SET "body" = ?1, "updated_at" = ?2 WHERE "uid" = ?3
-- params: ['changed', '2026-11-22T10:15:00.5Z', '0b6f2f4e-9c1a-4d3e-8f5b-2a7c9e1d4f63']
