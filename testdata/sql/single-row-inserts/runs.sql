INSERT INTO tags (name, color) VALUES ('urgent', 'red');  -- expect: single-row-inserts
INSERT INTO tags (name, color) VALUES ('later', 'grey');
INSERT INTO tags (name, color) VALUES ('bug', 'orange');
INSERT INTO tags (name, color) VALUES ('feature', 'green');
INSERT INTO tags (name, color) VALUES ('question', DEFAULT);

-- ok: four in a row is below the default run of 5.
INSERT INTO labels (name) VALUES ('a');
INSERT INTO labels (name) VALUES ('b');
INSERT INTO labels (name) VALUES ('c');
INSERT INTO labels (name) VALUES ('d');

-- ok: different columns break the run; RETURNING rows cannot be merged blindly.
INSERT INTO tags (name) VALUES ('x');
INSERT INTO tags (name, color) VALUES ('y', 'blue');
INSERT INTO tags (name) VALUES ('z') RETURNING id;
INSERT INTO tags (name) VALUES ('w');
INSERT INTO tags (name) VALUES ('v');
INSERT INTO tags (name) VALUES ('u'), ('t');
