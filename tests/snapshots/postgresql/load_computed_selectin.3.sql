SELECT t0."id", t0."name", t1."slot_id" FROM "tags" AS t0 JOIN "slot_tags" AS t1 ON t0."id" = t1."tag_id" WHERE t1."slot_id" IN ($1, $2, $3, $4) ORDER BY t1."slot_id" NULLS FIRST, t0."id"
-- params: [1, 2, 3, 3]
