//! The conformance suite: every function takes `Arc<dyn Store>` and knows nothing of
//! the backend. [`conformance_suite!`] lists them once; `sqlite.rs` and `postgres.rs`
//! each expand it with their own fresh-database setup, so both backends run exactly
//! the same checks.

pub mod admin;
pub mod badges;
pub mod credentials;
pub mod evidence;
pub mod facts;
pub mod frameworks;
pub mod idempotency;
pub mod jobs;
pub mod leaderboards;
pub mod ledger;
pub mod notifications;
pub mod opportunities;
pub mod people;
pub mod promotions;
pub mod proposals;
pub mod rebuild;
pub mod recognition;
pub mod replay;
pub mod sessions;
pub mod webhooks;

/// One `#[tokio::test]` per conformance function. `$setup` is an expression (it may
/// `.await`) giving `Option<DB>` where `DB` has a `store: Arc<dyn Store>` field and
/// drops its database; `None` skips the test (PostgreSQL without RUNGS_TEST_PG_URL).
macro_rules! conformance_suite {
    ($setup:expr) => {
        conformance_suite!(@tests $setup;
            ledger::appends_and_reads_back_events,
            ledger::a_batch_with_one_bad_event_appends_nothing,
            ledger::unknown_subject_is_refused,
            ledger::hiring_someone_twice_is_refused,
            ledger::an_event_before_the_hire_is_refused,
            ledger::reversal_of_a_reversal_is_refused,
            ledger::a_reversal_must_target_an_event_of_the_same_person,
            ledger::an_event_is_reversed_at_most_once,
            ledger::concurrent_writers_lose_and_duplicate_nothing,
            ledger::cursor_pagination_visits_every_event_once,
            ledger::a_batch_may_reverse_its_own_events,
            ledger::a_win_is_validated_once_per_validator,
            facts::readiness_facts_are_the_wins_validations_reversals_and_completions_in_ledger_order,
            badges::badges_round_trip_and_each_save_is_a_new_revision,
            badges::badge_facts_are_the_rule_events_in_ledger_order,
            badges::a_badge_tier_is_awarded_once_under_concurrent_appends,
            idempotency::idempotency_key_replays_and_appends_nothing,
            idempotency::same_key_different_body_is_a_conflict,
            idempotency::a_refused_request_does_not_use_up_its_key,
            idempotency::a_claim_without_events_is_kept_and_conflicts_like_any_claim,
            idempotency::an_event_key_replays_a_lone_event_and_conflicts_in_a_batch,
            replay::a_kept_answer_is_replayed_and_a_key_is_one_request,
            replay::an_abandoned_or_dead_attempt_frees_its_key_and_only_its_holder_settles_it,
            replay::a_key_expires_after_a_day_when_read_and_when_swept,
            replay::concurrent_first_requests_with_one_key_start_once,
            people::people_pagination_and_search,
            people::reports_include_indirect_reports,
            people::a_team_page_is_sorted_paged_and_counted,
            people::duplicate_email_is_a_conflict,
            people::a_departure_ends_employment,
            people::a_departure_revokes_the_persons_tokens_and_sessions,
            rebuild::rebuild_equals_live_state,
            rebuild::rebuild_of_an_unknown_org_is_not_found,
            admin::organizations_and_frameworks_round_trip,
            frameworks::every_edit_is_a_new_version_and_old_ones_stay,
            admin::revoked_tokens_no_longer_authenticate,
            admin::scim_identities_and_token_scopes,
            admin::scim_groups_keep_their_id_and_a_unique_name,
            admin::a_departure_revokes_tokens_and_ends_sessions,
            admin::appending_to_an_unknown_org_is_not_found,
            sessions::a_password_follows_the_persons_current_email,
            sessions::sessions_expire_and_can_be_deleted,
            sessions::an_sso_account_links_to_one_person_once,
            jobs::a_job_is_claimed_by_one_worker_until_its_lease_expires,
            jobs::periodic_jobs_are_registered_once_and_rescheduled,
            jobs::concurrent_claimers_never_share_a_job,
            jobs::sweep_removes_expired_sessions_and_old_idempotency_claims,
            opportunities::opportunities_and_applications_round_trip,
            opportunities::the_board_filters_and_pages_newest_first,
            opportunities::the_last_place_is_taken_once_under_concurrency,
            opportunities::a_withdrawn_or_declined_applicant_may_apply_again,
            promotions::cycles_and_cases_round_trip,
            promotions::the_budget_holds_under_concurrent_approvals,
            proposals::proposals_routes_and_delegations_round_trip,
            proposals::a_decision_is_recorded_once_under_concurrency,
            recognition::the_allowance_and_the_cap_hold_under_concurrent_gifts,
            recognition::a_reversal_gives_the_points_back_and_other_periods_do_not_count,
            recognition::the_snapshot_loads_spending_only_for_recognition,
            recognition::feed_balances_flows_and_policy,
            evidence::a_delivery_is_recorded_once_with_its_suggestion,
            evidence::a_suggestion_leaves_pending_once,
            evidence::the_mapping_round_trips_in_order,
            webhooks::the_outbox_fans_out_once_per_subscription_and_event_in_ledger_order,
            webhooks::a_subscription_is_leased_to_one_dispatcher_with_a_fence,
            webhooks::a_failed_head_holds_its_queue_until_the_retry_and_replay_sends_again,
            notifications::notifications_are_recorded_once_with_the_cursor_and_read_by_their_recipient,
            notifications::emails_move_through_their_states_and_preferences_are_kept,
            notifications::an_invite_is_used_once_before_it_expires,
            credentials::a_credential_is_issued_once_and_revoked_once,
            credentials::opt_in_and_the_issuing_cursor_are_kept,
            credentials::rebuild_projects_revocation_events,
            leaderboards::the_leaderboard_projection_is_written_and_read_ranked_by_team,
        );
    };
    (@tests $setup:expr; $($module:ident :: $name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(db) = $setup else { return };
            crate::conformance::$module::$name(db.store.clone()).await;
        }
    )*};
}
