//! The one route table. API routes go through utoipa-axum's `OpenApiRouter`, so a
//! route cannot exist without its entry in the OpenAPI document; the HTML pages
//! (`html::routes`) are merged beside them and are not part of the document.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::api::error::ApiError;
use crate::api::{self, ApiDoc};
use crate::{AppState, WebConfig, middleware};

/// Every route with its spec entry; body limits are per route.
fn routes(config: &WebConfig) -> OpenApiRouter<AppState> {
    use api::{events, framework, health, me, metrics, openapi, opportunities, people, recognition, tokens};
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::get::get_health))
        .routes(routes!(health::ready::get_ready))
        .routes(routes!(metrics::get::get_metrics))
        .routes(routes!(openapi::get::get_openapi))
        .routes(routes!(me::get::get_me))
        .routes(routes!(people::create::create_person, people::list::list_people))
        .routes(routes!(people::get::get_person, people::update::update_person))
        .routes(routes!(people::timeline::get_timeline))
        .routes(routes!(people::events::list_person_events))
        .routes(routes!(people::readiness::get_readiness))
        .routes(routes!(people::recommendations::get_recommendations))
        .routes(routes!(people::packet::get_promotion_packet))
        .routes(routes!(api::readiness::list::list_readiness))
        .routes(routes!(api::analytics::metrics::get_metrics_report))
        .routes(routes!(api::analytics::stagnation::get_stagnation_report))
        .routes(routes!(api::analytics::what_works::get_what_works_report))
        .routes(routes!(api::analytics::equity::get_equity_report))
        .routes(routes!(api::analytics::charts::get_cadence_chart))
        .routes(routes!(api::analytics::charts::get_what_works_chart))
        .routes(routes!(api::analytics::charts::get_equity_chart))
        .routes(routes!(events::create::create_event))
        .routes(routes!(events::bulk::create_events).layer(DefaultBodyLimit::max(config.max_bulk_body_bytes)))
        .routes(routes!(events::get::get_event))
        .routes(routes!(tokens::create::create_token, tokens::list::list_tokens))
        .routes(routes!(tokens::revoke::revoke_token))
        .routes(routes!(framework::get::get_framework, framework::update::update_framework))
        .routes(routes!(framework::versions::list_framework_versions))
        .routes(routes!(framework::diff::get_framework_diff))
        .routes(routes!(framework::yaml::export_framework_yaml, framework::yaml::import_framework_yaml))
        .routes(routes!(framework::matrix::import_framework_matrix))
        .routes(routes!(framework::suggest::suggest_competencies))
        .routes(routes!(framework::markdown::import_framework_markdown))
        .routes(routes!(framework::sheet::import_framework_sheet))
        .routes(routes!(opportunities::list::list_opportunities, opportunities::create::create_opportunity))
        .routes(routes!(opportunities::get::get_opportunity))
        .routes(routes!(opportunities::close::close_opportunity))
        .routes(routes!(opportunities::apply::apply_to_opportunity))
        .routes(routes!(opportunities::decide::decide_application))
        .routes(routes!(recognition::feed::list_recognition, recognition::give::give_recognition))
        .routes(routes!(recognition::balance::get_recognition_balance))
        .routes(routes!(recognition::collusion::get_recognition_collusion))
        .routes(routes!(recognition::policy::get_recognition_policy, recognition::policy::update_recognition_policy))
        .routes(routes!(api::webhooks::list::list_webhooks, api::webhooks::create::create_webhook))
        .routes(routes!(api::webhooks::remove::remove_webhook))
        .routes(routes!(api::webhooks::deliveries::list_deliveries))
        .routes(routes!(api::webhooks::replay::replay_delivery))
        .routes(routes!(api::evidence::hooks::receive_evidence))
        .routes(routes!(api::evidence::sources::list_sources, api::evidence::sources::create_source))
        .routes(routes!(api::evidence::sources::remove_source))
        .routes(routes!(api::evidence::mapping::get_mapping, api::evidence::mapping::update_mapping))
        .routes(routes!(api::evidence::suggestions::list_suggestions))
        .routes(routes!(api::evidence::suggestions::accept_suggestion))
        .routes(routes!(api::evidence::suggestions::dismiss_suggestion))
        .routes(routes!(api::notifications::list_notifications))
        .routes(routes!(api::notifications::read_notification))
        .routes(routes!(api::notifications::read_all_notifications))
        .routes(routes!(api::notifications::get_preferences, api::notifications::put_preferences))
        .routes(routes!(api::notifications::invite_person))
        .routes(routes!(api::people::sign_in::get_person_sign_in))
        .routes(routes!(api::people::sign_in::link_person_sso, api::people::sign_in::unlink_person_sso))
        .routes(routes!(api::badges::list::list_badges))
        .routes(routes!(api::badges::define::define_badge))
        .routes(routes!(api::badges::preview::preview_badge))
        .routes(routes!(api::badges::image::get_badge_image))
        .routes(routes!(api::badges::held::list_person_badges, api::badges::award::award_badge))
        .routes(routes!(api::promotions::cycles::list_cycles, api::promotions::cycles::create_cycle))
        .routes(routes!(api::promotions::board::get_calibration_board))
        .routes(routes!(api::promotions::nominate::nominate))
        .routes(routes!(api::promotions::cases::list_cases))
        .routes(routes!(api::promotions::cases::get_case, api::promotions::cases::edit_case))
        .routes(routes!(api::promotions::moves::move_case))
        .routes(routes!(api::promotions::moves::review_case))
        .routes(routes!(api::promotions::moves::rank_case))
        .routes(routes!(api::promotions::moves::refresh_case_packet))
        .routes(routes!(api::proposals::propose, api::proposals::list_proposals))
        .routes(routes!(api::proposals::get_proposal))
        .routes(routes!(api::proposals::decide))
        .routes(routes!(api::proposals::withdraw))
        .routes(routes!(api::proposals::approvals))
        .routes(routes!(api::proposals::list_routes, api::proposals::save_route))
        .routes(routes!(api::proposals::get_delegation, api::proposals::set_delegation, api::proposals::end_delegation))
        .routes(routes!(api::calendar::get_time_zone, api::calendar::set_time_zone))
        .routes(routes!(api::delegates::delegation_candidates))
        .routes(routes!(api::credentials::list_credentials, api::credentials::issue_credential))
        .routes(routes!(api::credentials::put_credential_settings))
        .routes(routes!(api::credentials::revoke_credential))
        .routes(routes!(api::credentials::verify_credential))
        .routes(routes!(api::leaderboards::get_leaderboard))
        .routes(routes!(api::leaderboards::get_leaderboard_settings, api::leaderboards::update_leaderboard_settings))
}

/// The application: routes (the API's state-changing ones behind the
/// `Idempotency-Key` layer, [`crate::replay`]), then (inside out) the small default body limit, request
/// logging and metrics under the matched route, and problem+json for whatever error
/// axum produces by itself.
pub fn router(state: AppState) -> Router {
    let (router, doc) = routes(&state.config).split_for_parts();
    let replay = crate::replay::Replay { state: state.clone(), routes: std::sync::Arc::new(crate::replay::KeyedRoutes::from_doc(&doc)) };
    router
        .route_layer(from_fn_with_state(replay, crate::replay::guard))
        .merge(crate::html::routes(&state.config))
        .merge(crate::credentials::routes())
        .merge(crate::scim::routes())
        .merge(crate::integrations::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(from_fn(middleware::problemize))
        .layer(from_fn_with_state(state.clone(), crate::timeout::limit))
        .layer(from_fn_with_state(state.clone(), middleware::track))
        .layer(from_fn(crate::headers::security))
        .with_state(state)
}

/// The OpenAPI 3.1 document for every route, with the error responses filled in.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = routes(&WebConfig::default()).split_for_parts();
    crate::replay::document(&mut doc);
    api::document_errors(&mut doc);
    doc
}

/// Unknown paths: problem+json under `/api` and for API clients, the HTML 404 page for
/// browsers.
async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wants_html = headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_html && !uri.path().starts_with("/api") {
        return crate::html::HtmlError::NotFound.into_response();
    }
    ApiError::new(StatusCode::NOT_FOUND, "no route matches this path; see /api/openapi.json").into_response()
}
