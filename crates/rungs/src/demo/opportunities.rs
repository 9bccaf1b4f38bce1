//! The demo's opportunity board: stretch projects posted by managers, with
//! applications in every state, some accepted and some completed (their work is on
//! the applicants' ledgers as validated wins, recorded through the same use case the
//! web page calls). One opportunity is chosen to build the demo employee's largest
//! gap, so their next steps show a match on the first visit. Seeded: the same seed
//! gives the same board (ids and times aside).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rungs_app::Viewer;
use rungs_app::opportunities::{apply, decide, post};
use rungs_core::OrgId;
use rungs_core::event::Category;
use rungs_core::opportunity::{ApplyInput, Move, OpportunityInput};
use rungs_core::person::{Person, PersonStatus, Role};
use rungs_core::store::Store;
use serde_json::json;

/// Title, competencies built, the kind of win completing it records, what the work
/// is, places.
const CATALOG: &[(&str, &[&str], Category, &str, u32)] = &[
    (
        "Lead the load test of the checkout service before peak season",
        &["testing", "operations"],
        Category::TaskMastered,
        "Plan and run the load test with the SRE team, write up what broke and what we fixed. About four hours a week for six weeks.",
        2,
    ),
    (
        "Write the design doc for search result ranking",
        &["system-design", "communication"],
        Category::ProjectCompleted,
        "Own the design doc end to end: options, trade-offs, review with two staff engineers.",
        1,
    ),
    (
        "Run the incident review rota for a quarter",
        &["operations", "ownership"],
        Category::Responsibility,
        "Schedule and facilitate the weekly incident reviews; publish the actions and chase them.",
        1,
    ),
    (
        "Mentor two interns through their summer project",
        &["mentoring", "communication"],
        Category::Mentoring,
        "Weekly one-to-ones, code review and a demo at the end of the summer.",
        2,
    ),
    (
        "Ship the CSV export for the billing team",
        &["delivery", "collaboration"],
        Category::ProjectCompleted,
        "A small feature with a real customer inside the company: scope it, ship it, support it for a month.",
        1,
    ),
    (
        "Pair with the data team on the event pipeline migration",
        &["collaboration", "system-design"],
        Category::ProjectCompleted,
        "Join their stand-up for eight weeks and own the consumer-side changes.",
        2,
    ),
    (
        "Harden the flaky end-to-end suite",
        &["testing", "code-quality"],
        Category::Skill,
        "Find the ten flakiest tests, fix the causes, and write down the patterns.",
        3,
    ),
    (
        "Interview panel for the platform team",
        &["hiring", "communication"],
        Category::Responsibility,
        "Join the interview loop for a quarter after the interviewer training.",
        3,
    ),
    (
        "Own the on-call handbook rewrite",
        &["operations", "communication"],
        Category::Responsibility,
        "Turn the wiki pages into one runbook people can use at 3 a.m.",
        1,
    ),
    (
        "Prototype the next-gen onboarding flow",
        &["delivery", "strategy"],
        Category::ProjectCompleted,
        "Two-week spike with design; present the trade-offs to the leadership group.",
        1,
    ),
    (
        "Lead the Q3 enterprise prospecting sprint",
        &["prospecting", "negotiation"],
        Category::ProjectCompleted,
        "Build the target list with marketing and run the outreach for two weeks.",
        3,
    ),
    (
        "Shadow customer success on three renewals",
        &["customer-insight", "collaboration"],
        Category::Learning,
        "Sit in on the renewal calls and write up what customers value.",
        2,
    ),
    (
        "Redesign the returns process in the warehouse",
        &["process-improvement", "ownership"],
        Category::ProjectCompleted,
        "Map today's process, measure it, and pilot one change for a month.",
        1,
    ),
    (
        "Run the quarterly product demo for sales",
        &["communication", "customer-insight"],
        Category::Feedback,
        "Prepare and present the demo of what shipped this quarter.",
        1,
    ),
];

/// A stretch project built around the competency named `name`, for the employee's
/// largest gap.
fn tailored(name: &str) -> (String, String) {
    (
        format!("Stretch project: grow your {} on a real team problem", name.to_lowercase()),
        format!("A six-week project with a mentor for someone working on {name}, judged by what ships. Ask the owner for the details."),
    )
}

fn viewer(org: OrgId, p: &Person, role: Role) -> Viewer {
    Viewer { org_id: org, person_id: Some(p.id), role, token_id: None }
}

/// Seed the board. `employee` is the demo's employee login, whose top gap gets a match.
pub async fn seed(store: &dyn Store, org: OrgId, seed: u64, employee: &Person) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6f70_7073);
    let fw = store.framework(org).await?;
    let people = store.all_people(org).await?;
    let active: Vec<&Person> = people.iter().filter(|p| p.status == PersonStatus::Active).collect();
    let mut owners: Vec<&Person> = active.iter().copied().filter(|p| p.position.track == "management" && p.id != employee.id).collect();
    owners.sort_by(|a, b| a.email.cmp(&b.email));
    let candidates: Vec<&Person> = active.iter().copied().filter(|p| p.position.track != "management" && p.id != employee.id).collect();
    if owners.is_empty() || candidates.len() < 4 {
        return Ok(0);
    }
    let mut posted = 0;
    let count = CATALOG.len().min(4 + people.len() / 20);
    for (i, (title, comps, category, description, capacity)) in CATALOG.iter().take(count).enumerate() {
        let comps: Vec<&str> = comps.iter().copied().filter(|c| fw.has_competency(c)).collect();
        if comps.is_empty() {
            continue;
        }
        let owner = owners[i % owners.len()];
        let input = OpportunityInput {
            title: json!(title),
            description: json!(description),
            competencies: json!(comps),
            category: json!(category.as_str()),
            capacity: json!(capacity),
            owner: json!(null),
        };
        let opp = post(store, &viewer(org, owner, Role::Manager), input, None).await?;
        posted += 1;
        // Some get no applications yet; others one to four.
        let n = rng.gen_range(0..=4usize);
        let mut applicants: Vec<&Person> = candidates.choose_multiple(&mut rng, n).copied().filter(|p| p.id != owner.id).collect();
        applicants.sort_by(|a, b| a.email.cmp(&b.email));
        let mut ids = Vec::new();
        for a in &applicants {
            let note = json!(format!("I would like to build my {} here.", comps[0].replace('-', " ")));
            let app = apply(store, &viewer(org, a, Role::Employee), opp.opportunity.id, ApplyInput { note }, None).await?;
            ids.push(app.application.id);
        }
        // Every third with applicants: the owner took someone on, and every other one
        // of those is done, so the board shows each state.
        if let Some(&first) = ids.first()
            && i % 3 == 0
        {
            let owner_view = viewer(org, owner, Role::Manager);
            decide(store, &owner_view, opp.opportunity.id, first, Move::Accept).await?;
            if i % 2 == 0 {
                decide(store, &owner_view, opp.opportunity.id, first, Move::Complete).await?;
            }
            if let Some(&second) = ids.get(1) {
                decide(store, &owner_view, opp.opportunity.id, second, Move::Decline).await?;
            }
        }
    }
    // The employee's largest gap gets an open opportunity that builds it.
    let report = rungs_app::readiness::get(store, &viewer(org, employee, Role::Employee), employee.id).await?;
    if let Some(top) = report.recommendations.first().filter(|r| r.opportunities.is_empty()) {
        let owner = owners.iter().find(|o| Some(o.id) != employee.manager_id).unwrap_or(&owners[0]);
        let (title, description) = tailored(&top.name);
        // Completing it records a kind of win the gap's criterion counts.
        let category = rungs_app::opportunities::counted_categories(&report.readiness, &top.competency).first().copied().unwrap_or(Category::ProjectCompleted);
        let input = OpportunityInput {
            title: json!(title),
            description: json!(description),
            competencies: json!([top.competency]),
            category: json!(category.as_str()),
            capacity: json!(2),
            owner: json!(null),
        };
        post(store, &viewer(org, owner, Role::Manager), input, None).await?;
        posted += 1;
    }
    Ok(posted)
}
