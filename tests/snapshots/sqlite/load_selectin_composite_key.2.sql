SELECT t0."id", t0."name", t0."r_country", t0."r_code" FROM "cities" AS t0 WHERE (t0."r_country" = ?1 AND t0."r_code" = ?2) OR (t0."r_country" = ?3 AND t0."r_code" = ?4) OR (t0."r_country" = ?5 AND t0."r_code" = ?6) ORDER BY t0."r_country", t0."r_code", t0."id"
-- params: ['ES', 1, 'FR', 1, 'FR', 2]
