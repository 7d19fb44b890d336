INSERT INTO "cars" ("id", "doors", "top_speed") VALUES (?1, ?2, ?3) RETURNING "id", "doors", "top_speed"
-- params: [5, 2, 250]
