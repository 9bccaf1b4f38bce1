use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use rungs_core::person::Role;
use rungs_core::store::Store;

use super::*;

async fn setup() -> (tempfile::TempDir, Arc<dyn Store>, crate::org::Initialized) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("a.db")).await.unwrap());
    let init = crate::org::init(store.as_ref(), "Acme", "ada@example.com", "Ada").await.unwrap();
    (dir, store, init)
}

const IP: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));

#[tokio::test]
async fn a_set_password_signs_in_and_the_session_resolves_to_the_person() {
    let (_d, store, init) = setup().await;
    let (p, role) = set_password(store.as_ref(), init.org.id, "ADA@example.com", Some(Role::Admin), "correct horse battery").await.unwrap();
    assert_eq!((p.id, role), (init.admin.id, Role::Admin));
    let t = LoginThrottle::default();
    let s = login(store.as_ref(), &t, " Ada@Example.com ", "correct horse battery", IP).await.unwrap();
    assert_eq!(s.viewer.person_id, Some(init.admin.id));
    assert_eq!(session(store.as_ref(), &s.secret).await.unwrap().0, s.viewer);
    assert_ne!(csrf_token(&s.secret), s.secret);
    logout(store.as_ref(), &s.secret).await.unwrap();
    assert!(matches!(session(store.as_ref(), &s.secret).await, Err(AppError::Unauthorized)));
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_fail_alike_and_are_throttled() {
    let (_d, store, init) = setup().await;
    set_password(store.as_ref(), init.org.id, "ada@example.com", None, "correct horse battery").await.unwrap();
    let t = LoginThrottle::default();
    assert!(matches!(login(store.as_ref(), &t, "nobody@example.com", "x", IP).await, Err(LoginError::Invalid)));
    for _ in 0..MAX_FAILURES {
        assert!(matches!(login(store.as_ref(), &t, "ada@example.com", "wrong", None).await, Err(LoginError::Invalid)));
    }
    let r = login(store.as_ref(), &t, "ada@example.com", "correct horse battery", None).await;
    assert!(matches!(r, Err(LoginError::Throttled { .. })), "even the right password waits: {r:?}");
}

#[tokio::test]
async fn a_short_password_is_refused_and_a_new_password_ends_old_sessions() {
    let (_d, store, init) = setup().await;
    let e = set_password(store.as_ref(), init.org.id, "ada@example.com", None, "short").await.unwrap_err();
    assert!(matches!(e, AppError::Invalid(ref v) if v.errors[0].field == "password"), "{e:?}");
    let e = set_password(store.as_ref(), init.org.id, "who@example.com", None, "long enough pw").await.unwrap_err();
    assert!(matches!(e, AppError::Invalid(ref v) if v.errors[0].field == "email"), "{e:?}");
    let (_, role) = set_password(store.as_ref(), init.org.id, "ada@example.com", None, "first password").await.unwrap();
    assert_eq!(role, Role::Employee, "first password without a role: employee");
    let t = LoginThrottle::default();
    let s = login(store.as_ref(), &t, "ada@example.com", "first password", IP).await.unwrap();
    set_password(store.as_ref(), init.org.id, "ada@example.com", None, "second password").await.unwrap();
    assert!(matches!(session(store.as_ref(), &s.secret).await, Err(AppError::Unauthorized)));
}

#[test]
fn generated_passwords_are_long_enough_and_differ() {
    let (a, b) = (generate_password(), generate_password());
    assert_ne!(a, b);
    assert!(a.len() >= MIN_PASSWORD, "{a}");
    assert!(same(&a, &a) && !same(&a, &b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_are_counted_before_they_are_checked() {
    let (_d, store, init) = setup().await;
    set_password(store.as_ref(), init.org.id, "ada@example.com", None, "correct horse battery").await.unwrap();
    let t = Arc::new(LoginThrottle::default());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (store, t) = (store.clone(), t.clone());
        tasks.spawn(async move { login(store.as_ref(), &t, "ada@example.com", "wrong", IP).await });
    }
    let (mut invalid, mut throttled) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Err(LoginError::Invalid) => invalid += 1,
            Err(LoginError::Throttled { .. }) => throttled += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((invalid, throttled), (MAX_FAILURES, 20 - MAX_FAILURES), "only {MAX_FAILURES} passwords were checked");
}

#[tokio::test]
async fn a_sign_in_that_finds_every_hashing_slot_busy_is_told_to_retry_and_not_counted() {
    let (_d, store, init) = setup().await;
    set_password(store.as_ref(), init.org.id, "ada@example.com", None, "correct horse battery").await.unwrap();
    let held = hashing::hold_every_slot().await;
    let t = LoginThrottle::with_hash_wait(Duration::from_millis(50));
    for _ in 0..MAX_FAILURES + 2 {
        let r = login(store.as_ref(), &t, "ada@example.com", "wrong", IP).await;
        assert!(matches!(r, Err(LoginError::Busy { retry_after }) if retry_after.as_secs() > 0), "{r:?}");
    }
    drop(held);
    // None of the busy attempts counted: the right password still signs in. Other tests in
    // this process share the hashing slots, so a brief Busy here is theirs: wait and retry.
    let mut r = login(store.as_ref(), &t, "ada@example.com", "correct horse battery", IP).await;
    for _ in 0..100 {
        if !matches!(r, Err(LoginError::Busy { .. })) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        r = login(store.as_ref(), &t, "ada@example.com", "correct horse battery", IP).await;
    }
    assert!(r.is_ok(), "{r:?}");
}
