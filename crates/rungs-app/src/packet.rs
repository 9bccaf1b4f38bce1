//! The promotion packet for a person and a target level, with the timeline's access
//! (the person, their managers, the people team).

use chrono::{DateTime, Utc};
use rungs_core::PersonId;
use rungs_core::packet::{PromotionPacket, assemble};
use rungs_core::store::Store;

use crate::{AppError, Viewer};

/// `level`: a level of the person's track above their current one; default the next.
pub async fn get(store: &dyn Store, viewer: &Viewer, id: PersonId, level: Option<&str>, now: DateTime<Utc>) -> Result<PromotionPacket, AppError> {
    let person = crate::people::get(store, viewer, id).await?;
    let fw = store.framework(viewer.org_id).await?;
    let track = &person.position.track;
    let current = fw.level_rank(track, &person.position.level);
    let target = match level {
        None => fw.next_level(track, &person.position.level).ok_or_else(|| AppError::invalid("level", format!("{} is at the top of track '{track}': there is no level to be promoted to", person.name)))?,
        Some(key) => {
            let rank = fw.level_rank(track, key).ok_or_else(|| AppError::invalid("level", format!("'{key}' is not a level of track '{track}'")))?;
            if current.is_some_and(|c| rank <= c) {
                return Err(AppError::invalid("level", format!("'{key}' is not above the current level '{}'", person.position.level)));
            }
            &fw.track(track).expect("level_rank found the track").levels[rank]
        }
    };
    let events = store.subject_events(viewer.org_id, id).await?;
    Ok(assemble(&fw, &person, target, &events, now))
}
