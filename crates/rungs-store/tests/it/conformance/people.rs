//! The people projection: lookups, pagination, search, the org chart, emails.

use std::collections::HashSet;
use std::sync::Arc;

use rungs_core::PersonId;
use rungs_core::event::{EventBody, LateralMove, ProfileUpdated};
use rungs_core::person::PersonStatus;
use rungs_core::store::{PeopleQuery, Store, StoreError};

use crate::support::*;

pub async fn people_pagination_and_search(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let mut ids = vec![];
    for i in 0..25 {
        // Two people share each name, so the cursor must carry the id too.
        ids.push(hire(&store, org, &format!("Person {:02} {}", i / 2, i)).await);
    }
    let pairs = ["Zoë Twin", "Zoë Twin"];
    for (i, name) in pairs.iter().enumerate() {
        let id = PersonId::new();
        append1(&store, event(org, id, day(0), hired(name, &format!("zoe{i}@example.com")))).await;
    }
    let mut seen = vec![];
    let mut cursor = None;
    loop {
        let page = store.people(org, &PeopleQuery { cursor, limit: 4, ..Default::default() }).await.unwrap();
        seen.extend(page.items.iter().map(|p| (p.name.clone(), p.id)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 27);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ordered by (name, id), each once");

    let q = |s: &str| PeopleQuery { search: Some(s.into()), limit: 100, ..Default::default() };
    assert_eq!(store.people(org, &q("person 03")).await.unwrap().items.len(), 2, "case-insensitive");
    assert_eq!(store.people(org, &q("zoe1@")).await.unwrap().items.len(), 1, "matches emails");
    assert_eq!(store.people(org, &q("%")).await.unwrap().items.len(), 0, "wildcards are literal");

    let only = PeopleQuery { only: Some(vec![ids[3], ids[7]]), limit: 100, ..Default::default() };
    let got: HashSet<_> = store.people(org, &only).await.unwrap().items.iter().map(|p| p.id).collect();
    assert_eq!(got, HashSet::from([ids[3], ids[7]]));
    let none = PeopleQuery { only: Some(vec![]), ..Default::default() };
    assert!(store.people(org, &none).await.unwrap().items.is_empty());

    let err = store.people(org, &PeopleQuery { cursor: Some("nonsense".into()), ..Default::default() }).await.unwrap_err();
    assert_eq!(fields(&err), vec!["cursor"]);

    let all = store.all_people(org).await.unwrap();
    assert_eq!(all.len(), 27);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(store.person_by_email(org, "ZOE0@example.com").await.unwrap().name, "Zoë Twin");
    assert!(matches!(store.person(org, PersonId::new()).await, Err(StoreError::NotFound)));
}

pub async fn reports_include_indirect_reports(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ceo = hire(&store, org, "Ceo").await;
    let mk = |name: &str, manager| {
        let id = PersonId::new();
        (id, event(org, id, day(0), hired_under(name, &format!("{}@example.com", name.to_lowercase()), manager)))
    };
    let (vp, e) = mk("Vp", ceo);
    append1(&store, e).await;
    let (lead, e) = mk("Lead", vp);
    append1(&store, e).await;
    let (dev, e) = mk("Dev", lead);
    append1(&store, e).await;
    let (other, e) = mk("Other", ceo);
    append1(&store, e).await;

    let mut want = vec![lead, dev];
    want.sort();
    assert_eq!(store.reports(org, vp).await.unwrap(), want);
    // The same answer, one subject at a time, walking up the chain.
    for (m, s, yes) in
        [(vp, dev, true), (vp, lead, true), (ceo, dev, true), (lead, vp, false), (vp, other, false), (dev, dev, false), (vp, PersonId::new(), false)]
    {
        assert_eq!(store.is_report(org, m, s).await.unwrap(), yes, "{m} over {s}");
    }
    assert_eq!(store.reports(org, ceo).await.unwrap().len(), 4);
    assert!(store.reports(org, dev).await.unwrap().is_empty());

    // A move changes the chart; a cycle (ceo reporting to dev) still terminates.
    let mv = EventBody::LateralMove(LateralMove { to: None, department: None, manager_id: Some(other), note: None });
    append1(&store, event(org, lead, day(5), mv)).await;
    assert!(store.reports(org, vp).await.unwrap().is_empty());
    let cyc = EventBody::ProfileUpdated(ProfileUpdated { manager_id: Some(Some(dev)), ..Default::default() });
    append1(&store, event(org, ceo, day(6), cyc)).await;
    let mut r = store.reports(org, ceo).await.unwrap();
    r.sort();
    let mut want = vec![vp, lead, dev, other];
    want.sort();
    assert_eq!(r, want, "the manager is never their own report");
    assert!(store.is_report(org, vp, dev).await.is_ok(), "a cycle ends the walk");
    assert!(!store.is_report(org, vp, lead).await.unwrap(), "moved away");
}

/// A manager's team, a page at a time: active reports only, sorted by the column
/// asked for, counted whole (direct reports, stalled) whatever the page.
pub async fn a_team_page_is_sorted_paged_and_counted(store: Arc<dyn Store>) {
    use rungs_core::store::{TeamQuery, TeamSort};
    let org = new_org(&store).await;
    let boss = hire(&store, org, "Boss").await;
    let mut direct = vec![];
    for (i, name) in ["Cleo", "Abe", "Bea"].iter().enumerate() {
        let id = PersonId::new();
        append1(&store, event(org, id, day(i as i64), hired_under(name, &format!("{}@example.com", name.to_lowercase()), boss))).await;
        direct.push(id);
    }
    // Two under Abe (indirect), one of whom has left.
    let (dan, eve) = (PersonId::new(), PersonId::new());
    append1(&store, event(org, dan, day(5), hired_under("Dan", "dan@example.com", direct[1]))).await;
    append1(&store, event(org, eve, day(5), hired_under("Eve", "eve@example.com", direct[1]))).await;
    append1(&store, event(org, eve, day(6), departure())).await;
    // Bea has progressed lately; the others not since their hire.
    append1(&store, event(org, direct[2], day(40), win("shipped"))).await;

    let q = |sort, descending, offset, limit| TeamQuery { sort, descending, offset, limit, stalled_before: day(30), direct_only: false };
    let page = store.team(org, boss, &q(TeamSort::Name, false, 0, 2)).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Abe", "Bea"]);
    assert_eq!((page.total, page.direct, page.stalled), (4, 3, 3), "Eve has left; Bea progressed on day 40");
    let next = store.team(org, boss, &q(TeamSort::Name, false, 2, 2)).await.unwrap();
    assert_eq!(next.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Cleo", "Dan"]);
    let past = store.team(org, boss, &q(TeamSort::Name, false, 10, 2)).await.unwrap();
    assert!(past.items.is_empty());
    assert_eq!((past.total, past.direct, past.stalled), (4, 3, 3), "counted past the last page too");
    let desc = store.team(org, boss, &q(TeamSort::Name, true, 0, 1)).await.unwrap();
    assert_eq!(desc.items[0].name, "Dan");
    let by_progress = store.team(org, boss, &q(TeamSort::LastProgression, true, 0, 1)).await.unwrap();
    assert_eq!(by_progress.items[0].name, "Bea", "the latest progression first");
    let by_progress = store.team(org, boss, &q(TeamSort::LastProgression, false, 0, 4)).await.unwrap();
    assert_eq!(by_progress.items[3].name, "Bea", "none yet first");
    let only_direct = TeamQuery { direct_only: true, ..q(TeamSort::Name, false, 0, 10) };
    let d = store.team(org, boss, &only_direct).await.unwrap();
    assert_eq!(d.items.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Abe", "Bea", "Cleo"]);
    assert_eq!((d.total, d.direct, d.stalled), (3, 3, 2));
    let abe = store.team(org, direct[1], &q(TeamSort::Name, false, 0, 10)).await.unwrap();
    assert_eq!((abe.items.len(), abe.total, abe.direct), (1, 1, 1));
    let nobody = store.team(org, dan, &q(TeamSort::Level, false, 0, 10)).await.unwrap();
    assert_eq!((nobody.items.len(), nobody.total), (0, 0));
}

pub async fn duplicate_email_is_a_conflict(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let conflict = |e: StoreError| match e {
        StoreError::Conflict { field, .. } => field,
        other => panic!("{other:?}"),
    };
    let e = try_append1(&store, event(org, PersonId::new(), day(1), hired("Ada 2", "ada@example.com"))).await.unwrap_err();
    assert_eq!(conflict(e), "payload.email");
    let e = try_append1(&store, event(org, bob, day(1), email_change("ada@example.com"))).await.unwrap_err();
    assert_eq!(conflict(e), "payload.email");
    // Within one batch, against a person hired earlier in the same batch.
    let (x, y) = (PersonId::new(), PersonId::new());
    let b = batch(org, vec![event(org, x, day(1), hired("X", "same@example.com")), event(org, y, day(1), hired("Y", "same@example.com"))]);
    assert_eq!(conflict(store.append(b).await.unwrap_err()), "events[1].payload.email");
    // Keeping one's own email, or freeing and taking one in a batch, is fine.
    append1(&store, event(org, ada, day(2), email_change("ada@example.com"))).await;
    let b = batch(org, vec![event(org, ada, day(3), email_change("ada.l@example.com")), event(org, bob, day(3), email_change("ada@example.com"))]);
    store.append(b).await.unwrap();
    assert_eq!(store.person_by_email(org, "ada@example.com").await.unwrap().id, bob);
    // Whatever order the people are written in: Ada (touched first in this batch)
    // takes the email Bob gives up later in it, then they swap through a spare one.
    let b = batch(
        org,
        vec![
            event(org, ada, day(4), email_change("ada.x@example.com")),
            event(org, bob, day(4), email_change("bob@example.com")),
            event(org, ada, day(4), email_change("ada@example.com")),
        ],
    );
    store.append(b).await.unwrap();
    let b = batch(
        org,
        vec![
            event(org, ada, day(5), email_change("spare@example.com")),
            event(org, bob, day(5), email_change("ada@example.com")),
            event(org, ada, day(5), email_change("bob@example.com")),
        ],
    );
    store.append(b).await.unwrap();
    assert_eq!(store.person_by_email(org, "ada@example.com").await.unwrap().id, bob);
    assert_eq!(store.person_by_email(org, "bob@example.com").await.unwrap().id, ada);
    assert_eq!(store.all_people(org).await.unwrap().iter().filter(|p| p.email.contains("moving:")).count(), 0, "nothing left parked");
    // Another organization may use the same email.
    let org2 = new_org(&store).await;
    append1(&store, event(org2, PersonId::new(), day(0), hired("Ada", "ada@example.com"))).await;
}

pub async fn a_departure_ends_employment(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    append1(&store, event(org, ada, day(30), departure())).await;
    let p = store.person(org, ada).await.unwrap();
    assert_eq!((p.status, p.ended_at, p.end_reason.as_deref()), (PersonStatus::Departed, Some(day(30)), Some("voluntary")));
}

pub async fn a_departure_revokes_the_persons_tokens_and_sessions(store: Arc<dyn Store>) {
    use rungs_core::TokenId;
    use rungs_core::person::Role;
    use rungs_core::session_store::SessionRecord;
    use rungs_core::store::TokenRecord;
    let org = new_org(&store).await;
    let (ada, bob) = (hire(&store, org, "Ada").await, hire(&store, org, "Bob").await);
    let token = |person, b: u8, revoked_at| TokenRecord {
        scope: rungs_core::store::TokenScope::Api,
        id: TokenId::new(),
        org_id: org,
        person_id: person,
        role: Role::Employee,
        label: format!("t{b}"),
        hash: [b; 32],
        created_at: day(1),
        revoked_at,
    };
    let session =
        |person, b: u8| SessionRecord { hash: [b; 32], org_id: org, person_id: person, role: Role::Employee, created_at: day(1), expires_at: day(1000) };
    let earlier = token(ada, 3, Some(day(1)));
    for t in [token(ada, 1, None), token(ada, 2, None), earlier.clone(), token(bob, 4, None)] {
        store.create_token(&t).await.unwrap();
    }
    for s in [session(ada, 5), session(bob, 6)] {
        store.create_session(&s).await.unwrap();
    }
    append1(&store, event(org, ada, day(3), departure())).await;
    for hash in [[1; 32], [2; 32], [3; 32]] {
        assert!(matches!(store.token_by_hash(&hash).await, Err(StoreError::NotFound)), "a departed person's token is revoked");
    }
    let tokens = store.tokens(org, Some(ada)).await.unwrap();
    assert!(tokens.iter().all(|t| t.revoked_at.is_some()));
    assert_eq!(tokens.iter().find(|t| t.id == earlier.id).unwrap().revoked_at, Some(day(1)), "an earlier revocation keeps its time");
    assert!(matches!(store.session_by_hash(&[5; 32], day(4)).await, Err(StoreError::NotFound)), "their sessions end");
    assert_eq!(store.token_by_hash(&[4; 32]).await.unwrap().person_id, bob, "nobody else's credentials change");
    assert_eq!(store.session_by_hash(&[6; 32], day(4)).await.unwrap().person_id, bob);
}
