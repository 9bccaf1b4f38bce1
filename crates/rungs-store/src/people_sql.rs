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
