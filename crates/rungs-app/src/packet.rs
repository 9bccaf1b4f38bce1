//! The promotion packet for a person and a target level, with the timeline's access
//! (the person, their managers, the people team). A packet for a past instant — the
//! one a past promotion was decided on — is assembled as the record stood then: the
//! person's level then, the events that had happened, the framework version in force.

use chrono::{DateTime, Utc};
use rungs_core::PersonId;
use rungs_core::packet::{PromotionPacket, assemble};
use rungs_core::store::Store;

use crate::readiness::{as_of, framework_at, person_at};
use crate::{AppError, Viewer};

/// `level`: a level of the person's track above their level at `at`; default the next.
pub async fn get(store: &dyn Store, viewer: &Viewer, id: PersonId, level: Option<&str>, at: DateTime<Utc>) -> Result<PromotionPacket, AppError> {
    let person = crate::people::get(store, viewer, id).await?;
    let events = as_of(store.subject_events(viewer.org_id, id).await?, at);
    let mut then = person_at(&person, &events, at)?;
    // The packet is read now: name and email as they are, position as it was.
    (then.name, then.email) = (person.name, person.email);
    let (fw, _) = framework_at(store, viewer.org_id, at).await?;
    let track = &then.position.track;
    let current = fw.level_rank(track, &then.position.level);
    let target = match level {
        None => fw
            .next_level(track, &then.position.level)
            .ok_or_else(|| AppError::invalid("level", format!("{} is at the top of track '{track}': there is no level to be promoted to", then.name)))?,
        Some(key) => {
            let rank = fw.level_rank(track, key).ok_or_else(|| AppError::invalid("level", format!("'{key}' is not a level of track '{track}'")))?;
            if current.is_some_and(|c| rank <= c) {
                return Err(AppError::invalid("level", format!("'{key}' is not above the current level '{}'", then.position.level)));
            }
            &fw.track(track).expect("level_rank found the track").levels[rank]
        }
    };
    Ok(assemble(&fw, &then, target, &events, at))
}
