INSERT INTO publishers (id, name) VALUES (1, 'Penguin'), (2, 'Tor');
INSERT INTO authors (id, name, publisher_id) VALUES (1, 'Ann', 1), (2, 'Bob', 2), (3, 'Cy', NULL), (4, 'Dee', 1);
INSERT INTO books (id, title, author_id, rating, version) VALUES
  (1, 'Zen', 1, 5, 1), (2, 'Alpha', 1, NULL, 1), (3, 'Mid', 2, 3, 1), (4, 'Orphan', NULL, 4, 1), (5, 'Beta', 1, 3, 1);
INSERT INTO tags (id, name) VALUES (1, 'red'), (2, 'blue'), (3, 'green'), (4, 'unused');
INSERT INTO book_tags (book_id, tag_id) VALUES (1, 1), (1, 2), (2, 2), (3, 1), (3, 3), (5, 2);
INSERT INTO cats (id, name, mother_id) VALUES
  (1, 'Ma', NULL), (2, 'Kit', 1), (3, 'Abe', 1), (4, 'Tiny', 2), (5, 'Wee', 4), (6, 'Lone', NULL), (7, 'Zoe', 1);
INSERT INTO companies (id, name) VALUES (1, 'Acme'), (2, 'Beta Co'), (3, 'Empty');
INSERT INTO employees (id, name, type, company_id, manager_data, level) VALUES
  (1, 'Ed', 'employee', 1, NULL, NULL), (2, 'Mo', 'manager', 1, 'm', NULL), (3, 'Eng', 'engineer', 1, NULL, 3),
  (4, 'temp', 'employee', 2, NULL, NULL), (5, 'Jr', 'engineer', 2, NULL, 1), (6, 'Sr', 'engineer', 2, NULL, 5),
  (7, 'Free', 'employee', NULL, NULL, NULL);
INSERT INTO clubs (club_no, club_name) VALUES (1, 'Chess'), (2, 'Rowing');
INSERT INTO members (member_id, member_name, public, club_ref) VALUES
  (1, 'ada', TRUE, 1), (2, 'brian', FALSE, 1), (3, 'chloe', TRUE, 2);
INSERT INTO shelves (id, label, notes) VALUES (1, 'Oak', 'long text'), (2, 'Ash', NULL);
INSERT INTO slots (id, shelf_id, width) VALUES (1, 1, 5), (2, 1, 20), (3, 2, 12);
INSERT INTO slot_tags (slot_id, tag_id) VALUES (1, 1), (2, 1), (3, 1);
INSERT INTO regions (country, code, name) VALUES ('FR', 1, 'Normandy'), ('FR', 2, 'Brittany'), ('ES', 1, 'Galicia');
INSERT INTO cities (id, name, r_country, r_code) VALUES
  (1, 'Rouen', 'FR', 1), (2, 'Caen', 'FR', 1), (3, 'Rennes', 'FR', 2), (4, 'Vigo', 'ES', 1), (5, 'Nowhere', NULL, NULL);
INSERT INTO garages (id, name) VALUES (1, 'North'), (2, 'South');
INSERT INTO vehicles (id, kind, name, garage_id) VALUES
  (1, 'vehicle', 'cart', 1), (2, 'car', 'sedan', 1), (3, 'sports', 'racer', 2), (4, 'truck', 'hauler', 2);
INSERT INTO cars (id, doors, top_speed) VALUES (2, 4, NULL), (3, 2, 300);
INSERT INTO trucks (id, payload) VALUES (4, 20);
INSERT INTO wheels (id, car_id, size) VALUES (1, 2, 16), (2, 2, 16), (3, 3, 19);
INSERT INTO robots (id, kind, name, weight) VALUES (1, 'robot', 'r1', 10), (2, 'drone', 'd1', 5), (3, 'mini', 'm1', 1);
INSERT INTO drones (id, payload, camera) VALUES (2, 3, NULL), (3, 1, 'hd');
INSERT INTO robot_parts (id, robot_id, name) VALUES (1, 1, 'arm'), (2, 2, 'gps'), (3, 3, 'lens');
INSERT INTO drone_props (id, drone_id, size) VALUES (1, 2, 5), (2, 2, 5), (3, 3, 2);
