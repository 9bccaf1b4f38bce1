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
/// ends the recursion on a cycle), `t` the active ones as `people` rows. Parameters:
/// organization, manager (placeholders `{org}` and `{manager}`, filled in by each
/// backend in its own spelling).
pub(crate) const TEAM_CTE: &str = "WITH RECURSIVE r(id) AS ( \
        SELECT id FROM people WHERE org_id = {org} AND manager_id = {manager} \
        UNION \
        SELECT p.id FROM people p JOIN r ON p.manager_id = r.id WHERE p.org_id = {org} \
    ), t AS ( \
        SELECT p.* FROM r JOIN people p ON p.id = r.id WHERE p.org_id = {org} AND p.status = 'active' AND p.id <> {manager} \
    ) ";

/// Walk up `subject`'s manager chain looking for `manager`; at most 256 steps, so a
/// cycle in the chain ends it. Placeholders as in [`TEAM_CTE`], and `{subject}`.
pub(crate) const IS_REPORT: &str = "WITH RECURSIVE up(id, depth) AS ( \
        SELECT manager_id, 1 FROM people WHERE org_id = {org} AND id = {subject} \
        UNION ALL \
        SELECT p.manager_id, up.depth + 1 FROM people p JOIN up ON p.id = up.id \
         WHERE p.org_id = {org} AND up.id <> {manager} AND up.depth < 256 \
    ) SELECT EXISTS (SELECT 1 FROM up WHERE id = {manager})";

/// How many columns [`PEOPLE_COLUMNS`] lists: where extra columns after them start.
pub(crate) const PEOPLE_COLUMN_COUNT: usize = 26;

#[cfg(test)]
mod tests {
    #[test]
    fn the_column_count_is_the_column_list() {
        assert_eq!(super::PEOPLE_COLUMNS.split(',').count(), super::PEOPLE_COLUMN_COUNT);
    }
}
