-- The partition key joined with USING: a nested loop prunes for each outer row at run time.
CREATE TABLE accounts (account_id int PRIMARY KEY, name text NOT NULL, plan text NOT NULL);
CREATE TABLE ledger (account_id int NOT NULL, posted date NOT NULL, amount numeric NOT NULL)
  PARTITION BY LIST (account_id);
CREATE TABLE ledger_1 PARTITION OF ledger FOR VALUES IN (1);
CREATE TABLE ledger_2 PARTITION OF ledger FOR VALUES IN (2);
CREATE TABLE ledger_3 PARTITION OF ledger FOR VALUES IN (3);

-- ok: the key is the join's.
SELECT name, amount FROM accounts JOIN ledger USING (account_id) WHERE plan = 'enterprise';
SELECT a.name, l.amount FROM accounts a NATURAL JOIN ledger l WHERE a.name = $1;
-- The join is on another column: nothing names the key.
SELECT a.name, l.amount FROM accounts a JOIN ledger l ON l.amount > 0 WHERE a.name = $1;  -- expect: partition-pruning-miss
