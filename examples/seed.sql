-- Seed data for a demo database, one statement per row.
INSERT INTO customers (email, full_name, country) VALUES ('ada@example.com', 'Ada Lovelace', 'GB');
INSERT INTO customers (email, full_name, country) VALUES ('alan@example.com', 'Alan Turing', 'GB');
INSERT INTO customers (email, full_name, country) VALUES ('grace@example.com', 'Grace Hopper', 'US');
INSERT INTO customers (email, full_name, country) VALUES ('edsger@example.com', 'Edsger Dijkstra', 'NL');
INSERT INTO customers (email, full_name, country) VALUES ('barbara@example.com', 'Barbara Liskov', 'US');
INSERT INTO customers (email, full_name, country) VALUES ('donald@example.com', 'Donald Knuth', 'US');
