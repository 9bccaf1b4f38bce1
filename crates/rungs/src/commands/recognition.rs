//! `rungs recognition give|feed|balance|collusion`: the recognition use cases from
//! the command line (the same as `/api/v1/recognition`). `give` acts as the giver,
//! with the role of their sign-in account (employee without one); the others read
//! as the people team.

use chrono::Utc;
use rungs_app::Viewer;
use rungs_core::person::Role;
use rungs_core::recognition::GiftInput;

use super::{open_store, person_by_email, the_org};
use crate::cli::RecognitionAction;

pub async fn run(action: RecognitionAction) -> anyhow::Result<()> {
    match action {
        RecognitionAction::Give { db, from, to, message, points, tags, private } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let giver = person_by_email(store.as_ref(), org.id, &from).await?;
            let role = match store.credential_by_email(&giver.email).await {
                Ok(c) if c.person_id == giver.id => c.role,
                _ => Role::Employee,
            };
            let viewer = Viewer { org_id: org.id, person_id: Some(giver.id), role, token_id: None };
            let to = rungs_app::recognition::resolve_emails(store.as_ref(), &viewer, &to).await?;
            let gift = GiftInput { to, message, points, tags, competencies: vec![], public: !private };
            let given = rungs_app::recognition::give(store.as_ref(), &viewer, gift, None, Utc::now()).await?;
            let b = &given.balance;
            println!(
                "recognized {} people; {} has {} of {} points left until {}",
                given.events.len(),
                giver.name,
                b.left,
                b.allowance,
                b.period.end.to_rfc3339()
            );
        }
        RecognitionAction::Feed { db, limit, json } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let page = rungs_app::recognition::feed(store.as_ref(), &Viewer::system(org.id), None, Some(limit), None).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&page)?);
                return Ok(());
            }
            for f in &page.items {
                let rungs_core::event::EventBody::Recognition(r) = &f.event.body else { continue };
                let privacy = if r.public { "" } else { " (private)" };
                println!(
                    "{}\t{} → {}\t{} points{privacy}\t{}",
                    f.event.occurred_at.format("%Y-%m-%d"),
                    f.giver_name.as_deref().unwrap_or("-"),
                    f.receiver_name,
                    r.points,
                    r.message
                );
            }
        }
        RecognitionAction::Balance { db, email, json } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let p = person_by_email(store.as_ref(), org.id, &email).await?;
            let b = rungs_app::recognition::balance(store.as_ref(), &Viewer::system(org.id), Some(p.id), Utc::now()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&b)?);
                return Ok(());
            }
            println!("{}: {} of {} points left to give until {}", p.name, b.left, b.allowance, b.period.end.to_rfc3339());
            println!(
                "  received {} points this period ({} recognitions), {} in all",
                b.received_this_period.points, b.received_this_period.count, b.received_total.points
            );
        }
        RecognitionAction::Collusion { db, days, json } => {
            let store = open_store(&db.db).await?;
            let org = the_org(store.as_ref()).await?;
            let r = rungs_app::recognition::collusion(store.as_ref(), &Viewer::system(org.id), Some(days), Utc::now()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
                return Ok(());
            }
            let b = &r.baseline;
            println!(
                "{} to {}: {} giver → receiver edges, {} points; median {} per edge, 99th percentile {}, median share {:.0}%",
                r.from.format("%Y-%m-%d"),
                r.to.format("%Y-%m-%d"),
                b.edges,
                b.points,
                b.edge_points_median,
                b.edge_points_p99,
                b.share_median * 100.0
            );
            if r.flags.is_empty() {
                println!("no pair or ring trades points beyond that pattern");
            }
            for f in &r.flags {
                println!("{:?} {}: {} points above the 99th percentile", f.flag.kind, f.names.join(" → "), f.flag.excess_points);
                println!("  {}", f.why);
            }
        }
    }
    Ok(())
}
