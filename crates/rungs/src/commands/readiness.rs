//! `rungs readiness --email …`: a person's readiness for their next level, competency
//! by competency, and the ranked next steps with matching open opportunities, as the
//! people team sees it (the same use case as `GET /api/v1/people/{id}/readiness`).

use rungs_app::Viewer;

use super::{open_store, person_by_email, the_org};

pub async fn run(db: &str, email: &str, json: bool) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    let org = the_org(store.as_ref()).await?;
    let person = person_by_email(store.as_ref(), org.id, email).await?;
    let report = rungs_app::readiness::get(store.as_ref(), &Viewer::system(org.id), person.id).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let r = &report.readiness;
    let Some(next) = &r.next_title else {
        println!("{} ({}) is at the top of the {} track: nothing to be ready for.", report.name, report.title, r.track);
        return Ok(());
    };
    println!("{} ({}): readiness {} / 100 for {next}", report.name, report.title, r.score);
    println!(
        "  the average coverage of {} checkable expectations; framework version {}",
        r.checkable,
        report.framework_version.map_or("-".into(), |v| v.to_string())
    );
    for c in &r.competencies {
        let cov = c.coverage.map_or("judged by a person".to_string(), |x| format!("{:>3.0}%", x * 100.0));
        let missing = c.missing.as_deref().map(|m| format!(" — missing: {m}")).unwrap_or_default();
        println!("  {cov:>18}  {}{missing}", c.name);
    }
    if !report.recommendations.is_empty() {
        println!("next steps:");
    }
    for x in &report.recommendations {
        println!("  {}. {} (+{:.1}): {}", x.rank, x.name, x.gain, x.why);
        for s in &x.steps {
            println!("       - {s}");
        }
        for o in &x.opportunities {
            println!("       * opportunity {} “{}”: {}", o.id, o.title, o.why);
        }
    }
    Ok(())
}
