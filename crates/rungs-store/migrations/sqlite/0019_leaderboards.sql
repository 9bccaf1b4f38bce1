-- 0019: leaderboards (docs/LEADERBOARDS.md).
--
-- The organization's switch: off unless the people team turns it on. `generation`
-- grows on every write of the projection, so an instance that did not make the
-- latest write rewrites it whole instead of sending a difference.
CREATE TABLE leaderboard_settings (
    org_id       BLOB    NOT NULL PRIMARY KEY REFERENCES organizations (id),
    enabled      INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER,
    computed_at  INTEGER,
    generation   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The projection the `leaderboards` job writes: one row per board, period and person
-- who scores above zero, with the team they were in when it was computed. A board
-- is read as one range of one of the three indexes below (everyone, a department, a
-- manager's reports), in rank order, LIMIT N: the cost of a request does not grow
-- with the organization.
CREATE TABLE leaderboard_scores (
    org_id        BLOB    NOT NULL REFERENCES organizations (id),
    board         TEXT    NOT NULL,
    period        TEXT    NOT NULL,
    person_id     BLOB    NOT NULL,
    value         INTEGER NOT NULL,
    previous      INTEGER NOT NULL,
    extra         INTEGER NOT NULL,
    department    TEXT,
    manager_id    BLOB,
    period_start  INTEGER NOT NULL,
    period_end    INTEGER NOT NULL,
    events        TEXT    NOT NULL,          -- JSON array of the newest event ids counted
    PRIMARY KEY (org_id, board, period, person_id)
) WITHOUT ROWID;

CREATE INDEX leaderboard_rank ON leaderboard_scores (org_id, board, period, value DESC, extra DESC, person_id);
CREATE INDEX leaderboard_rank_department ON leaderboard_scores (org_id, board, period, department, value DESC, extra DESC, person_id);
CREATE INDEX leaderboard_rank_manager ON leaderboard_scores (org_id, board, period, manager_id, value DESC, extra DESC, person_id);
