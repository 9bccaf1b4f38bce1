-- 0008: a person validates a win once (see migrations/sqlite/0008_validated_once.sql
-- for why a table kept by a trigger rather than a unique index on `events`).
CREATE TABLE validations (
    target     uuid NOT NULL,   -- the validated win
    validator  uuid NOT NULL,   -- the validation's actor
    event_id   uuid NOT NULL UNIQUE,
    PRIMARY KEY (target, validator)
);

INSERT INTO validations (target, validator, event_id)
    SELECT DISTINCT ON (v.target, v.actor) v.target, v.actor, v.id FROM events v
     WHERE v.kind = 'validation' AND v.actor IS NOT NULL AND v.target IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM events r WHERE r.kind = 'reversal' AND r.target = v.id)
     ORDER BY v.target, v.actor, v.org_id, v.seq;

CREATE FUNCTION events_keep_validations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'validation' THEN
        INSERT INTO validations (target, validator, event_id) VALUES (NEW.target, NEW.actor, NEW.id);
    ELSE
        DELETE FROM validations WHERE event_id = NEW.target;
    END IF;
    RETURN NULL;
END;
$$;

-- The WHEN clause keeps every other insert (most of the ledger) free of the call.
-- A validation without an actor (an imported system event) is nobody's: not keyed.
CREATE TRIGGER events_keep_validations AFTER INSERT ON events
    FOR EACH ROW WHEN ((NEW.kind = 'validation' AND NEW.actor IS NOT NULL) OR NEW.kind = 'reversal')
    EXECUTE FUNCTION events_keep_validations();
