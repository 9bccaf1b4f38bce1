//! What a viewer sees of cases: one case with its history, reviews and the moves open
//! to them; the lists behind the pages (my nominations, my own cases, the approver's
//! inbox).

use std::collections::HashMap;

use rungs_core::promotion::{Case, CaseMove, CaseQuery, CaseStatus, Review, Transition, Vote};
use rungs_core::store::Store;
use rungs_core::{CaseId, PersonId};
use serde::Serialize;
use utoipa::ToSchema;

use super::{may, readable, sees_pay};
use crate::access::table::Action;
use crate::access::{Relation, Scope};
use crate::{AppError, Viewer};

/// A case as the viewer may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    pub subject_name: String,
    pub nominator_name: String,
    pub cycle_name: String,
    /// Every move so far, oldest first, with who made it.
    pub history: Vec<TransitionView>,
    /// Reviewers' comments and votes: for reviewers and the people team.
    pub reviews: Vec<ReviewView>,
    /// Votes so far: support, oppose, abstain (each reviewer's last vote).
    pub votes: [u32; 3],
    /// The moves this viewer may make now.
    pub moves: Vec<CaseMove>,
    pub may_edit: bool,
    pub may_review: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransitionView {
    #[serde(flatten)]
    pub transition: Transition,
    /// `None` for the system.
    pub actor_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    #[serde(flatten)]
    pub review: Review,
    pub reviewer_name: String,
}

pub(crate) async fn names(store: &dyn Store, viewer: &Viewer, ids: Vec<PersonId>) -> Result<HashMap<PersonId, String>, AppError> {
    let mut out = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = out.entry(id) {
            match store.person(viewer.org_id, id).await {
                Ok(p) => {
                    e.insert(p.name);
                }
                Err(rungs_core::store::StoreError::NotFound) => {
                    e.insert("someone".into());
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
    Ok(out)
}

/// Each reviewer's last vote, counted.
pub(crate) fn tally(reviews: &[Review]) -> [u32; 3] {
    let mut last: HashMap<PersonId, Vote> = HashMap::new();
    for r in reviews {
        if let Some(v) = r.vote {
            last.insert(r.reviewer, v);
        }
    }
    let mut out = [0; 3];
    for v in last.values() {
        out[Vote::ALL.iter().position(|x| x == v).expect("a vote")] += 1;
    }
    out
}

/// Hide the pay increase from whoever may not see pay.
pub(crate) fn redact(viewer: &Viewer, rel: Relation, mut case: Case) -> Case {
    if !sees_pay(viewer, rel) {
        case.pay_increase = None;
    }
    case
}

/// One case, with access checked.
pub async fn case_view(store: &dyn Store, viewer: &Viewer, id: CaseId) -> Result<CaseView, AppError> {
    let (case, rel, person) = readable(store, viewer, id).await?;
    let cycle = store.cycle(viewer.org_id, case.cycle_id).await?;
    let history = store.transitions(viewer.org_id, id).await?;
    let may_review = may(viewer, rel, Action::ReviewCase, &person, false);
    let calibrates = may(viewer, rel, Action::Calibrate, &person, false);
    let all_reviews = store.reviews(viewer.org_id, id).await?;
    let votes = tally(&all_reviews);
    let reviews = if may_review || calibrates { all_reviews } else { vec![] };
    let mut ids = vec![case.subject, case.nominator];
    ids.extend(history.iter().filter_map(|t| t.actor));
    ids.extend(reviews.iter().map(|r| r.reviewer));
    let n = names(store, viewer, ids).await?;
    let own = viewer.person_id == Some(case.nominator);
    let may_edit = case.status == CaseStatus::Nominated && may(viewer, rel, Action::EditCase, &person, own);
    let moves = case
        .status
        .allowed()
        .into_iter()
        .filter(|m| match m {
            CaseMove::StartReview | CaseMove::Approve | CaseMove::Decline => calibrates,
            CaseMove::Withdraw => calibrates || may(viewer, rel, Action::EditCase, &person, own),
            CaseMove::TakeEffect => false,
        })
        .collect();
    let name = |id: &PersonId| n.get(id).cloned().unwrap_or_else(|| "someone".into());
    Ok(CaseView {
        subject_name: name(&case.subject),
        nominator_name: name(&case.nominator),
        cycle_name: cycle.name,
        history: history.into_iter().map(|t| TransitionView { actor_name: t.actor.as_ref().map(name), transition: t }).collect(),
        reviews: reviews.into_iter().map(|r| ReviewView { reviewer_name: name(&r.reviewer), review: r }).collect(),
        votes,
        moves,
        may_edit,
        may_review: may_review && case.status == CaseStatus::InReview,
        case: redact(viewer, rel, case),
    })
}

/// A case in a list, with the names a list shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseLine {
    #[serde(flatten)]
    pub case: Case,
    pub subject_name: String,
    pub cycle_name: String,
}

async fn lines(store: &dyn Store, viewer: &Viewer, cases: Vec<Case>, rel: impl Fn(&Case) -> Relation) -> Result<Vec<CaseLine>, AppError> {
    let subjects: Vec<PersonId> = cases.iter().map(|c| c.subject).collect();
    let n = names(store, viewer, subjects).await?;
    let cycles: HashMap<_, _> = store.cycles(viewer.org_id).await?.into_iter().map(|c| (c.id, c.name)).collect();
    Ok(cases
        .into_iter()
        .map(|c| CaseLine {
            subject_name: n.get(&c.subject).cloned().unwrap_or_default(),
            cycle_name: cycles.get(&c.cycle_id).cloned().unwrap_or_default(),
            case: redact(viewer, rel(&c), c),
        })
        .collect())
}

/// The cases the viewer nominated, newest cycle first.
pub async fn nominations(store: &dyn Store, viewer: &Viewer) -> Result<Vec<CaseLine>, AppError> {
    let Some(me) = viewer.person_id else { return Ok(vec![]) };
    let cases = store.cases(viewer.org_id, &CaseQuery { nominator: Some(me), limit: 200, ..Default::default() }).await?;
    lines(store, viewer, cases, |c| if c.subject == me { Relation::Myself } else { Relation::Manager }).await
}

/// The viewer's own cases.
pub async fn my_cases(store: &dyn Store, viewer: &Viewer) -> Result<Vec<CaseLine>, AppError> {
    let Some(me) = viewer.person_id else { return Ok(vec![]) };
    let cases = store.cases(viewer.org_id, &CaseQuery { subject: Some(me), limit: 200, ..Default::default() }).await?;
    lines(store, viewer, cases, |_| Relation::Myself).await
}

/// Cases of one cycle the viewer may read (the people team: all).
pub async fn cases_for(store: &dyn Store, viewer: &Viewer, q: CaseQuery) -> Result<Vec<CaseLine>, AppError> {
    let cases = store.cases(viewer.org_id, &q).await?;
    let subjects: Vec<PersonId> = cases.iter().map(|c| c.subject).collect();
    let scope = Scope::for_subjects(store, viewer.clone(), &subjects).await?;
    let readable: Vec<Case> =
        cases.into_iter().filter(|c| crate::access::table::allowed(viewer.role, scope.relation(c.subject), Action::ReadCase, Default::default())).collect();
    lines(store, viewer, readable, |c| scope.relation(c.subject)).await
}

/// The approver's inbox: everything waiting on the viewer. For the people team,
/// cases nominated (to open their review) or in review (to decide); for a manager,
/// cases of their reports in review they have not voted on yet. At most `LISTED`
/// cases are read per status, so the inbox costs the same in any organization.
pub async fn inbox(store: &dyn Store, viewer: &Viewer) -> Result<Vec<CaseLine>, AppError> {
    const LISTED: u32 = 100;
    let Some(me) = viewer.person_id else { return Ok(vec![]) };
    let mut cases = store.cases(viewer.org_id, &CaseQuery { status: Some(CaseStatus::InReview), limit: LISTED, ..Default::default() }).await?;
    if crate::access::table::may(viewer.role, crate::access::Action::Calibrate) {
        cases.extend(store.cases(viewer.org_id, &CaseQuery { status: Some(CaseStatus::Nominated), limit: LISTED, ..Default::default() }).await?);
    }
    let subjects: Vec<PersonId> = cases.iter().map(|c| c.subject).collect();
    let scope = Scope::for_subjects(store, viewer.clone(), &subjects).await?;
    let mut waiting = Vec::new();
    for c in cases {
        let rel = scope.relation(c.subject);
        let reviews = crate::access::table::allowed(viewer.role, rel, Action::ReviewCase, Default::default());
        let decides = crate::access::table::allowed(viewer.role, rel, Action::Calibrate, Default::default());
        // The people team decides every case; a reviewer is waited on until they vote.
        let waits = decides || (reviews && !store.reviews(viewer.org_id, c.id).await?.iter().any(|r| r.reviewer == me && r.vote.is_some()));
        if waits {
            waiting.push(c);
        }
    }
    lines(store, viewer, waiting, |c| scope.relation(c.subject)).await
}
