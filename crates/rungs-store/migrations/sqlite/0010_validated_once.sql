-- 0008: a person validates a win once.
--
-- Two tabs or a double click used to record two validations of the same win by the
-- same manager ("Validated 2 times"). The planner refuses the second one; this table
-- is the backstop that makes it impossible even with a bug or a second process: one
-- row per validation in force, keyed by (win, validator).
--
-- A table rather than a unique index on `events`: a database made before this
-- version may already hold such duplicates, and events are never deleted, so an
-- index could not be created on it. The table takes the first validation of each
-- pair (by seq) and leaves the older duplicates on the ledger, where reads count
-- validators, not events.
--
-- Kept by triggers on `events`, so every path that inserts events (the append,
-- `rungs import`) keeps it. A reversal of a validation withdraws it: the row goes,
-- and the same person may validate that win again later.
CREATE TABLE validations (
    target     BLOB NOT NULL,   -- the validated win
    validator  BLOB NOT NULL,   -- the validation's actor
    event_id   BLOB NOT NULL UNIQUE,
    PRIMARY KEY (target, validator)
) WITHOUT ROWID;

INSERT OR IGNORE INTO validations (target, validator, event_id)
    SELECT v.target, v.actor, v.id FROM events v
     WHERE v.kind = 'validation' AND v.actor IS NOT NULL AND v.target IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM events r WHERE r.kind = 'reversal' AND r.target = v.id)
     ORDER BY v.seq;

-- A validation without an actor (an imported system event) is nobody's: not keyed.
CREATE TRIGGER events_validated_once AFTER INSERT ON events
    WHEN NEW.kind = 'validation' AND NEW.actor IS NOT NULL
BEGIN
    INSERT INTO validations (target, validator, event_id) VALUES (NEW.target, NEW.actor, NEW.id);
END;

CREATE TRIGGER events_validation_withdrawn AFTER INSERT ON events
    WHEN NEW.kind = 'reversal'
BEGIN
    DELETE FROM validations WHERE event_id = NEW.target;
END;
