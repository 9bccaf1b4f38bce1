//! The `people` table's column list and upsert clause, the same SQL in both
//! backends (only the placeholders and casts differ, and those stay with each).

/// Columns of `people` in the order both backends read and write them.
pub(crate) const PEOPLE_COLUMNS: &str = "id, org_id, name, email, manager_id, department, location, hired_at, status, ended_at, \
     end_reason, track, level, title, scope, level_since, last_promotion_at, last_progression_at, micro_progressions, \
     micro_promotions, promotions, recognitions_received, pay_band, sensitive, last_occurred_at, events_in_force";

/// An upsert on `id`, never a replace: a replace would silently delete *another*
/// person whose email collides, where we want the email's unique violation.
pub(crate) const ON_ID_CONFLICT_UPDATE: &str = "ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, \
     name = excluded.name, email = excluded.email, manager_id = excluded.manager_id, department = excluded.department, \
     location = excluded.location, hired_at = excluded.hired_at, status = excluded.status, ended_at = excluded.ended_at, \
     end_reason = excluded.end_reason, track = excluded.track, level = excluded.level, title = excluded.title, \
     scope = excluded.scope, level_since = excluded.level_since, last_promotion_at = excluded.last_promotion_at, \
     last_progression_at = excluded.last_progression_at, micro_progressions = excluded.micro_progressions, \
     micro_promotions = excluded.micro_promotions, promotions = excluded.promotions, \
     recognitions_received = excluded.recognitions_received, pay_band = excluded.pay_band, \
     sensitive = excluded.sensitive, last_occurred_at = excluded.last_occurred_at, \
     events_in_force = excluded.events_in_force";

/// The ORDER BY of a team page (`Store::team`), the same in both backends: stored
/// columns, then name and id so pages never overlap. "No progression yet" sorts
/// before any date ascending, spelled out because the backends order NULLs
/// differently.
pub(crate) fn team_order(sort: rungs_core::store::TeamSort, descending: bool) -> String {
    use rungs_core::store::TeamSort;
    let d = if descending { "DESC" } else { "ASC" };
    match sort {
        TeamSort::Name => format!("name {d}, id {d}"),
        TeamSort::Level => format!("level {d}, name, id"),
        TeamSort::LevelSince => format!("level_since {d}, name, id"),
        TeamSort::LastProgression => format!("(last_progression_at IS NOT NULL) {d}, last_progression_at {d}, name, id"),
    }
}

/// The manager's subtree, once: `r` holds every direct and indirect report (UNION
/// ends the recursion on a cycle), `t` the active ones as `people` rows.
///
/// `r CROSS JOIN people` (with the join condition in WHERE, which both dialects
/// read the same) makes the row just found the outer loop and the index
/// `people (org_id, manager_id)` the inner lookup. With a plain JOIN the SQLite
/// bundled in rusqlite (3.50) may scan `people` for every row of `r` — quadratic:
/// minutes for the top of a 20,000-person chart (docs/BENCHMARKS.md), the cause of
/// the 9 s `/api/v1/me` in issue 14. Parameters:
/// organization, manager (placeholders `{org}` and `{manager}`, filled in by each
/// backend in its own spelling).
pub(crate) const TEAM_CTE: &str = "WITH RECURSIVE r(id) AS ( \
        SELECT id FROM people WHERE org_id = {org} AND manager_id = {manager} \
        UNION \
        SELECT p.id FROM r CROSS JOIN people p WHERE p.org_id = {org} AND p.manager_id = r.id \
    ), t AS ( \
        SELECT p.* FROM r CROSS JOIN people p WHERE p.id = r.id AND p.org_id = {org} AND p.status = 'active' AND p.id <> {manager} \
    ) ";

/// [`TEAM_CTE`]'s `t` for direct reports only: one lookup in `people (org_id, manager_id)`.
pub(crate) const DIRECT_CTE: &str = "WITH t AS ( \
        SELECT * FROM people WHERE org_id = {org} AND manager_id = {manager} AND status = 'active' AND id <> {manager} \
    ) ";

/// The CTE of a team query.
pub(crate) fn team_cte(q: &rungs_core::store::TeamQuery) -> &'static str {
    if q.direct_only { DIRECT_CTE } else { TEAM_CTE }
}

/// Walk up `subject`'s manager chain looking for `manager`; at most 256 steps, so a
/// cycle in the chain ends it. Placeholders as in [`TEAM_CTE`], and `{subject}`.
pub(crate) const IS_REPORT: &str = "WITH RECURSIVE up(id, depth) AS ( \
        SELECT manager_id, 1 FROM people WHERE org_id = {org} AND id = {subject} \
        UNION ALL \
        SELECT p.manager_id, up.depth + 1 FROM up CROSS JOIN people p \
         WHERE p.id = up.id AND p.org_id = {org} AND up.id <> {manager} AND up.depth < 256 \
    ) SELECT EXISTS (SELECT 1 FROM up WHERE id = {manager})";

/// How many columns [`PEOPLE_COLUMNS`] lists: where extra columns after them start.
pub(crate) const PEOPLE_COLUMN_COUNT: usize = 26;

/// `Store::shape`: active people (of the manager's subtree, or of the organization)
/// counted by department, level and time-in-level bucket, with the stalled among
/// them. Placeholders: `{org}`, `{manager}` (only with a manager), `{c0}`–`{c3}` the
/// bucket bounds, `{stalled}`; each backend numbers them in its own spelling.
pub(crate) fn shape_sql(team: bool) -> String {
    let cte = if team { TEAM_CTE } else { "WITH t AS (SELECT * FROM people WHERE org_id = {org} AND status = 'active') " };
    format!(
        "{cte} SELECT department, level, CASE WHEN level_since > {{c0}} THEN 0 WHEN level_since > {{c1}} THEN 1 \
         WHEN level_since > {{c2}} THEN 2 WHEN level_since > {{c3}} THEN 3 ELSE 4 END AS bucket, count(*) AS n, \
         sum(CASE WHEN COALESCE(last_progression_at, hired_at) <= {{stalled}} THEN 1 ELSE 0 END) AS stalled \
         FROM t GROUP BY department, level, bucket ORDER BY department, level, bucket"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_column_count_is_the_column_list() {
        assert_eq!(super::PEOPLE_COLUMNS.split(',').count(), super::PEOPLE_COLUMN_COUNT);
    }
}
