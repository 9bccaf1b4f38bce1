//! The web interface: server-rendered HTML pages that work without JavaScript.
//! One file per page; every page calls `rungs-app` use cases and renders a template
//! from `templates/` (minijinja, HTML autoescape, strict undefined). Templates and
//! the stylesheet are embedded in the binary. See docs/WEB.md.

mod analytics;
mod analytics_files;
pub(crate) use analytics_files::svg_response;
mod assets;
mod badge_admin;
mod badges;
mod bulk_validate;
mod calendar;
mod credentials;
mod cycle_new;
mod equity;
mod error;
mod evidence;
mod export;
mod flash;
mod fmt;
mod framework;
mod home;
mod import;
mod invites;
mod leaderboards;
mod login;
mod notifications;
mod opportunities;
mod overview;
mod packet;
mod people;
mod progress;
mod progress_charts;
mod promotions;
mod promotions_svg;
mod proposals;
mod recognition;
mod scim_tokens;
mod shape_charts;
mod sign_ins;
mod sso;
mod suggestions;
mod team;
mod timeline;
mod webhooks;
mod wins;

/// What a form whose CSRF token no longer matches says, re-shown with what was typed
/// and a fresh token.
pub(crate) const STALE_FORM: &str =
    "This form had expired (it was open in an old tab, or you signed in again). Nothing was saved: check what you typed and send it again.";

use std::sync::LazyLock;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::extract::Session;
use crate::{AppState, WebConfig};

pub use error::HtmlError;

/// Percent-encode a value for an `application/x-www-form-urlencoded` body or a query.
pub fn encode_form(s: &str) -> String {
    error::encode(s).replace('/', "%2F")
}

/// Every page route. Plain axum routes: pages are not part of the OpenAPI document.
pub fn routes(config: &WebConfig) -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/sso/start", get(sso::start))
        .route("/sso/callback", get(sso::callback))
        .route("/wins/new", get(wins::form))
        .route("/wins", post(wins::submit))
        .route("/recognition", get(recognition::show).post(recognition::give))
        .route("/recognition/collusion", get(recognition::collusion))
        .route("/badges", get(badges::mine))
        .route("/badges/admin", get(badge_admin::show).post(badge_admin::submit))
        .route("/badges/{key}/image.svg", get(badges::image))
        .route("/people/{id}/badges", get(badges::of_person).post(badges::award))
        .route("/timeline", get(timeline::mine))
        .route("/people/{id}/timeline", get(timeline::of_person))
        .route("/progress", get(progress::mine))
        .route("/people/{id}/progress", get(progress::of_person))
        .route("/people/{id}/packet", get(packet::show))
        .route("/people/{id}/validations", post(timeline::validate))
        .route("/export", get(export::download))
        .route("/team", get(team::show))
        .route("/analytics", get(analytics::dashboard))
        .route("/analytics/what-works", get(analytics::what_works))
        .route("/analytics/equity", get(equity::show))
        .route("/analytics/metrics.csv", get(analytics_files::metrics_csv))
        .route("/analytics/stagnation.csv", get(analytics_files::stagnation_csv))
        .route("/analytics/what-works.csv", get(analytics_files::what_works_csv))
        .route("/analytics/equity.csv", get(analytics_files::equity_csv))
        .route("/analytics/what-works.svg", get(analytics_files::what_works_svg))
        .route("/analytics/equity.svg", get(analytics_files::equity_svg))
        .route("/people", get(people::list))
        .route("/framework", get(framework::show))
        .route("/framework.yaml", get(framework::download))
        .route("/framework/matrix", post(framework::import))
        .route("/framework/import", post(framework::import))
        .route("/people/import", get(import::form).post(import::submit).layer(DefaultBodyLimit::max(config.max_bulk_body_bytes)))
        .route("/opportunities", get(opportunities::board).post(opportunities::create))
        .route("/opportunities/new", get(opportunities::new_form))
        .route("/opportunities/{id}", get(opportunities::detail))
        .route("/opportunities/{id}/apply", post(opportunities::apply))
        .route("/opportunities/{id}/close", post(opportunities::close))
        .route("/opportunities/{id}/applications/{app}/{action}", post(opportunities::decide))
        .route("/promotions", get(promotions::hub))
        .route("/cycles/{id}/nominate", get(promotions::nominate_form).post(promotions::nominate))
        .route("/cycles/{id}/board", get(promotions::board))
        .route("/cases/{id}", get(promotions::case_page))
        .route("/cases/{id}/moves", post(promotions::move_case))
        .route("/cases/{id}/reviews", post(promotions::review))
        .route("/cases/{id}/edit", post(promotions::edit))
        .route("/cases/{id}/rank", post(promotions::rank))
        .route("/scim-tokens", get(scim_tokens::show).post(scim_tokens::create))
        .route("/scim-tokens/{id}/revoke", post(scim_tokens::revoke))
        .route("/proposals", get(proposals::page).post(proposals::propose))
        .route("/proposals/{id}/decide", post(proposals::decide))
        .route("/proposals/{id}/withdraw", post(proposals::withdraw))
        .route("/proposals/delegation", post(proposals::delegation))
        .route("/approval-routes", get(proposals::routes_page).post(proposals::save_route))
        .route("/webhooks", get(webhooks::show).post(webhooks::create))
        .route("/webhooks/{id}/active", post(webhooks::set_active))
        .route("/webhooks/{id}/remove", post(webhooks::remove))
        .route("/webhooks/deliveries/{id}/replay", post(webhooks::replay))
        .route("/evidence", get(evidence::show).post(evidence::create))
        .route("/evidence/mapping", post(evidence::save_mapping))
        .route("/evidence/sources/{id}/remove", post(evidence::remove))
        .route("/suggestions/{id}/accept", post(suggestions::accept))
        .route("/suggestions/{id}/dismiss", post(suggestions::dismiss))
        .route("/notifications", get(notifications::show))
        .route("/notifications/read-all", post(notifications::mark_all_read))
        .route("/notifications/settings", get(notifications::settings).post(notifications::save_settings))
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route("/people/{id}/invite", post(invites::send_one))
        .route("/people/{id}/sso-links", post(sign_ins::link))
        .route("/people/{id}/sso-links/remove", post(sign_ins::unlink))
        .route("/people/invite", post(invites::send_many))
        .route("/invite/{token}", get(invites::form).post(invites::redeem))
        .route("/settings/time-zone", get(calendar::page).post(calendar::save))
        .route("/cycles/new", get(cycle_new::form).post(cycle_new::create))
        .route("/credentials", get(credentials::mine))
        .route("/credentials/issue", post(credentials::issue))
        .route("/credentials/settings", post(credentials::settings))
        .route("/credentials/all", get(credentials::all))
        .route("/credentials/{id}/revoke", post(credentials::revoke))
        .route("/static/{file}", get(assets::get))
        .route("/inbox/validations", post(bulk_validate::submit))
        .route("/leaderboards", get(leaderboards::show))
        .route("/leaderboards/settings", post(leaderboards::switch))
}

/// The templates, compiled once. They are constants embedded in the binary (not
/// configuration), so one process-wide environment is the simplest correct choice;
/// it also lets error responses render without reaching the state.
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Autoescape is on for `.html` names by default; strict undefined makes a typo in
    // a template an error instead of an empty string.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Counts and articles through the one helper: `{{ n | count("point") }}`,
    // `{{ n | plural("was") }}`, `{{ word | article }}`.
    env.add_filter("count", |n: u64, noun: String| rungs_core::text::count(n, &noun));
    env.add_filter("plural", |n: u64, noun: String| rungs_core::text::plural(n, &noun));
    env.add_filter("article", |w: String| rungs_core::text::article(&w).to_string());
    for (name, src) in TEMPLATE_FILES {
        if let Err(e) = env.add_template(name, src) {
            panic!("template {name} does not compile: {e}");
        }
    }
    env
});

const TEMPLATE_FILES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("win_new.html", include_str!("../../templates/win_new.html")),
    ("timeline.html", include_str!("../../templates/timeline.html")),
    ("progress.html", include_str!("../../templates/progress.html")),
    ("packet.html", include_str!("../../templates/packet.html")),
    ("team.html", include_str!("../../templates/team.html")),
    ("analytics.html", include_str!("../../templates/analytics.html")),
    ("what_works.html", include_str!("../../templates/what_works.html")),
    ("equity.html", include_str!("../../templates/equity.html")),
    ("people.html", include_str!("../../templates/people.html")),
    ("import.html", include_str!("../../templates/import.html")),
    ("framework.html", include_str!("../../templates/framework.html")),
    ("opportunities.html", include_str!("../../templates/opportunities.html")),
    ("opportunity.html", include_str!("../../templates/opportunity.html")),
    ("opportunity_new.html", include_str!("../../templates/opportunity_new.html")),
    ("recognition.html", include_str!("../../templates/recognition.html")),
    ("badges.html", include_str!("../../templates/badges.html")),
    ("badge_admin.html", include_str!("../../templates/badge_admin.html")),
    ("promotions.html", include_str!("../../templates/promotions.html")),
    ("nominate.html", include_str!("../../templates/nominate.html")),
    ("case.html", include_str!("../../templates/case.html")),
    ("board.html", include_str!("../../templates/board.html")),
    ("recognition_balance.html", include_str!("../../templates/recognition_balance.html")),
    ("recognition_collusion.html", include_str!("../../templates/recognition_collusion.html")),
    ("webhooks.html", include_str!("../../templates/webhooks.html")),
    ("scim_tokens.html", include_str!("../../templates/scim_tokens.html")),
    ("evidence.html", include_str!("../../templates/evidence.html")),
    ("proposals.html", include_str!("../../templates/proposals.html")),
    ("approval_routes.html", include_str!("../../templates/approval_routes.html")),
    ("notifications.html", include_str!("../../templates/notifications.html")),
    ("notification_settings.html", include_str!("../../templates/notification_settings.html")),
    ("invite.html", include_str!("../../templates/invite.html")),
    ("signed_out.html", include_str!("../../templates/signed_out.html")),
    ("org_calendar.html", include_str!("../../templates/org_calendar.html")),
    ("cycle_new.html", include_str!("../../templates/cycle_new.html")),
    ("overview.html", include_str!("../../templates/overview.html")),
    ("credentials.html", include_str!("../../templates/credentials.html")),
    ("credential_admin.html", include_str!("../../templates/credential_admin.html")),
    ("verify.html", include_str!("../../templates/verify.html")),
    ("leaderboards.html", include_str!("../../templates/leaderboards.html")),
];

/// Render `name` with `ctx` to a string.
pub fn render_string(name: &str, ctx: impl Serialize) -> Result<String, HtmlError> {
    TEMPLATES.get_template(name).and_then(|t| t.render(ctx)).map_err(|e| HtmlError::Unexpected(rungs_core::Cause::context(format!("rendering {name}"), e)))
}

/// Render a page as a 200 response.
pub fn render(name: &str, ctx: impl Serialize) -> Result<Response, HtmlError> {
    Ok(Html(render_string(name, ctx)?).into_response())
}

/// An id from the path, or the not-found page: a malformed id names nothing.
pub(super) fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, HtmlError> {
    raw.parse().map_err(|_| HtmlError::NotFound)
}

/// What the layout needs on every signed-in page: who is signed in, their role's
/// navigation, the CSRF token for the sign-out form, and which nav item is current.
#[derive(Debug, Serialize)]
pub struct Layout {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
    pub current: &'static str,
    pub title: String,
    /// What the viewer may do, from the access table: the menu offers only that.
    pub can: rungs_app::access::Capabilities,
    /// The bell's number.
    pub unread: u64,
}

impl Layout {
    pub fn new(s: &Session, current: &'static str, title: impl Into<String>) -> Self {
        let can = rungs_app::access::Capabilities::of(s.viewer.role);
        Layout { name: s.person.name.clone(), role: s.viewer.role.as_str(), csrf: s.csrf.clone(), current, title: title.into(), can, unread: s.unread }
    }
}
