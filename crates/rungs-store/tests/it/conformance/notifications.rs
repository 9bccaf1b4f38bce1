//! Notifications: each is recorded once (source, recipient, kind), the cursor moves
//! with them and a stale run writes nothing, only the recipient reads and marks
//! them, emails move through their states, preferences are kept, and an invite is
//! used once before it expires.

use std::sync::Arc;

use chrono::{Duration, Utc};
use rungs_core::notifications::{EmailChoice, EmailStatus, Invite, InviteRefusal, Notification, NotificationKind};
use rungs_core::store::{Store, StoreError};
use uuid::Uuid;

use crate::support::*;

pub async fn notifications_are_recorded_once_with_the_cursor_and_read_by_their_recipient(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let bob = hire(&store, org, "Bob").await;
    let now = Utc::now();
    let n = |to, kind, source: &str, choice| {
        Notification::new(org, to, kind, source.to_string(), format!("{source} for {to}"), Some("/timeline".into()), choice, now)
    };
    assert_eq!(store.notify_cursor(org).await.unwrap(), 0);
    let first = vec![
        n(ada, NotificationKind::WinValidated, "event:1", EmailChoice::Immediate),
        n(bob, NotificationKind::ValidationRequested, "event:1", EmailChoice::Digest),
        // The same again in the same batch: once.
        n(ada, NotificationKind::WinValidated, "event:1", EmailChoice::Immediate),
    ];
    assert_eq!(store.record_notifications(org, 0, 5, &first).await.unwrap(), Some(2));
    assert_eq!(store.notify_cursor(org).await.unwrap(), 5);
    // A stale run over the same stretch: refused, nothing written.
    assert_eq!(store.record_notifications(org, 0, 5, &[n(ada, NotificationKind::BadgeAwarded, "event:9", EmailChoice::Off)]).await.unwrap(), None);
    // Outside the ledger (from == to): no cursor check, still once.
    let decided = n(ada, NotificationKind::ApplicationDecided, "application:x:accepted", EmailChoice::Off);
    assert_eq!(store.record_notifications(org, 0, 0, std::slice::from_ref(&decided)).await.unwrap(), Some(1));
    assert_eq!(store.record_notifications(org, 0, 0, &[decided]).await.unwrap(), Some(0));
    assert_eq!(store.notify_cursor(org).await.unwrap(), 5, "unchanged");

    let mine = store.notifications(org, ada, false, None, 10).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert!(mine[0].id > mine[1].id, "newest first");
    assert_eq!(store.notifications(org, ada, false, Some(mine[0].id), 10).await.unwrap().len(), 1, "the page before the newest");
    assert_eq!(store.unread_notifications(org, ada).await.unwrap(), 2);
    let err = store.mark_notification_read(org, bob, mine[0].id, now).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    store.mark_notification_read(org, ada, mine[0].id, now).await.unwrap();
    store.mark_notification_read(org, ada, mine[0].id, now + Duration::hours(1)).await.unwrap();
    let read = store.notifications(org, ada, false, None, 10).await.unwrap();
    assert_eq!(read[0].read_at.map(|t| t.timestamp()), Some(now.timestamp()), "read once: the first time is kept");
    assert_eq!(store.notifications(org, ada, true, None, 10).await.unwrap().len(), 1);
    assert_eq!(store.mark_all_notifications_read(org, ada, now).await.unwrap(), 1);
    assert_eq!(store.unread_notifications(org, ada).await.unwrap(), 0);
    assert_eq!(store.unread_notifications(org, bob).await.unwrap(), 1);
}

pub async fn emails_move_through_their_states_and_preferences_are_kept(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let now = Utc::now();
    let src = format!("event:{}", Uuid::now_v7());
    let items = vec![
        Notification::new(org, ada, NotificationKind::WinValidated, src.clone(), "a".into(), None, EmailChoice::Immediate, now),
        Notification::new(org, ada, NotificationKind::BadgeAwarded, src.clone(), "b".into(), None, EmailChoice::Digest, now),
        Notification::new(org, ada, NotificationKind::MilestoneReached, src, "c".into(), None, EmailChoice::Off, now),
    ];
    store.record_notifications(org, 0, 0, &items).await.unwrap();
    let due: Vec<_> = store.emails_due(now, 100).await.unwrap().into_iter().filter(|x| x.recipient == ada).collect();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].email, EmailStatus::Pending);
    store.set_email_status(&[due[0].id], EmailStatus::Pending, Some(now + Duration::minutes(1)), Some("refused")).await.unwrap();
    assert!(store.emails_due(now, 100).await.unwrap().iter().all(|x| x.id != due[0].id), "not due before its retry");
    let retry = store.emails_due(now + Duration::minutes(1), 100).await.unwrap();
    let retry = retry.iter().find(|x| x.id == due[0].id).expect("due at its retry");
    assert_eq!(retry.email_attempts, 1);
    store.set_email_status(&[due[0].id], EmailStatus::Sent, None, None).await.unwrap();
    assert!(store.emails_due(now + Duration::days(1), 100).await.unwrap().iter().all(|x| x.id != due[0].id), "sent: never due again");
    let digest: Vec<_> = store.digest_waiting(1000).await.unwrap().into_iter().filter(|x| x.recipient == ada).collect();
    assert_eq!(digest.len(), 1);
    assert_eq!(digest[0].kind, NotificationKind::BadgeAwarded);

    assert!(store.notification_prefs(org, ada).await.unwrap().is_empty());
    store.set_notification_pref(org, ada, NotificationKind::WinValidated, EmailChoice::Digest).await.unwrap();
    store.set_notification_pref(org, ada, NotificationKind::WinValidated, EmailChoice::Off).await.unwrap();
    assert_eq!(store.notification_prefs(org, ada).await.unwrap(), vec![(NotificationKind::WinValidated, EmailChoice::Off)]);
}

pub async fn an_invite_is_used_once_before_it_expires(store: Arc<dyn Store>) {
    let org = new_org(&store).await;
    let ada = hire(&store, org, "Ada").await;
    let now = Utc::now();
    let mut hash = [0u8; 32];
    hash[..16].copy_from_slice(Uuid::now_v7().as_bytes());
    let invite = Invite {
        id: Uuid::now_v7(),
        org_id: org,
        person: ada,
        token_hash: hash,
        created_by: None,
        created_at: now,
        expires_at: now + Duration::days(7),
        used_at: None,
    };
    store.create_invite(&invite).await.unwrap();
    // Two uses at once: exactly one succeeds.
    let (a, b) = tokio::join!(store.redeem_invite(&hash, now), store.redeem_invite(&hash, now));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.is_ok() != b.is_ok(), "one use only: {a:?} {b:?}");
    assert_eq!(a.as_ref().or(b.as_ref()).unwrap().person, ada);
    assert_eq!(store.redeem_invite(&hash, now).await.unwrap(), Err(InviteRefusal::Used));
    assert_eq!(store.redeem_invite(&[7u8; 32], now).await.unwrap(), Err(InviteRefusal::Unknown));
    let mut old = hash;
    old[31] = 1;
    store.create_invite(&Invite { id: Uuid::now_v7(), token_hash: old, expires_at: now - Duration::seconds(1), ..invite.clone() }).await.unwrap();
    assert_eq!(store.redeem_invite(&old, now).await.unwrap(), Err(InviteRefusal::Expired));
    // The same hash twice is refused by the store.
    assert!(store.create_invite(&Invite { id: Uuid::now_v7(), ..invite }).await.is_err());
    let listed = store.invites(org, ada).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|i| i.used_at.is_some()));
}
