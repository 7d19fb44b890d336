DELETE FROM "vehicles" WHERE "id" IN ($1) AND "kind" = $2
-- params: [3, 'sports']
