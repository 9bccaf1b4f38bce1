//! The JSON API: one module per resource, one file per action, DTOs beside the
//! handler. The route table is in `router.rs`.

pub mod analytics;
pub mod badges;
pub mod calendar;
pub mod credentials;
pub mod delegates;
pub mod error;
pub mod events;
pub mod evidence;
pub mod framework;
pub mod health;
pub mod leaderboards;
pub mod me;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod opportunities;
pub mod people;
pub mod promotions;
pub mod proposals;
pub mod readiness;
pub mod recognition;
pub mod tokens;
pub mod webhooks;

use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use error::{PROBLEM_JSON, Problem};

pub type ApiResult<T> = Result<T, error::ApiError>;

/// A 201 with a `Location` header and the created resource.
pub type Created<T> = (axum::http::StatusCode, [(axum::http::HeaderName, String); 1], axum::Json<T>);

pub fn created<T>(location: String, body: T) -> Created<T> {
    (axum::http::StatusCode::CREATED, [(axum::http::header::LOCATION, location)], axum::Json(body))
}

/// The skeleton of the document; paths are added by the `OpenApiRouter`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rungs API",
        description = "Career-progression ledger. Errors are RFC 9457 `application/problem+json` \
            documents naming each offending field. Lists use cursor pagination: pass `next_cursor` \
            back as `cursor`. Every authenticated POST, PUT, PATCH and DELETE honours an \
            `Idempotency-Key` header: a repeat with the same key, method, path and body within 24 hours \
            replays the first answer byte for byte (`Idempotent-Replayed: true`) and changes nothing; \
            the same key on a different request is a 422; a repeat while the first is still running \
            is a 409.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem, rungs_core::FieldError, rungs_core::opportunity::Move)),
    tags(
        (name = "system", description = "Health, metrics and this document."),
        (name = "people", description = "People and their timelines."),
        (name = "events", description = "The ledger: append-only events about people."),
        (name = "tokens", description = "API tokens."),
        (name = "framework", description = "Tracks, levels, competencies, expectations and milestone modules; versions; YAML, CSV matrix and Markdown ladder import."),
        (name = "readiness", description = "Readiness for the next level, explained, and the ranked next steps."),
        (name = "analytics", description = "Metrics per group and period, stagnation risk, and the what-works report (docs/ANALYTICS.md)."),
        (name = "badges", description = "Badges: definitions in a declarative rule language, the rule preview, images, awards with the events that earned them (docs/BADGES.md)."),
        (name = "opportunities", description = "The opportunity board: stretch projects and gigs, applications, and completed work as ledger evidence."),
        (name = "promotions", description = "Promotion cycles and cases: nominations with the evidence packet, reviews and votes, calibration against budgets, decisions, and the promotion on the ledger (docs/WORKFLOWS.md)."),
        (name = "proposals", description = "Micro-promotions, lateral moves, demotions and pay changes, each its own effective-dated transition, approved along the organization's configurable route (sequential and parallel steps, conditions, dynamic approvers, delegation, reminders); the approver's inbox (docs/WORKFLOWS.md)."),
        (name = "recognition", description = "Recognition with points from monthly allowances: giving, the feed, balances, the collusion report and the policy."),
        (name = "webhooks", description = "Signed webhooks: subscriptions, the delivery log and replay (docs/WEBHOOKS.md)."),
        (name = "evidence", description = "Evidence from work systems: the inbound endpoint for GitHub, GitLab and signed senders, sources and mapping rules, and each person's suggested wins (docs/INTEGRATIONS.md)."),
        (name = "notifications", description = "Your notifications and email preferences (docs/NOTIFICATIONS.md)."),
        (name = "organization", description = "Organization-wide settings: the time zone of its calendar (docs/WORKFLOWS.md)."),
        (name = "credentials", description = "Open Badges 3.0 verifiable credentials: yours, issued on request or automatically, revocation by the people team, and verification (docs/CREDENTIALS.md)."),
        (name = "leaderboards", description = "Leaderboards by team and period, off unless the organization turns them on: most improved, streaks, breadth of recognition given, validated wins; every number explained (docs/LEADERBOARDS.md)."),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut OpenApiDoc) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Add the problem+json error responses each operation can give, so the handlers'
/// annotations list only their successes: 401/403 for authenticated operations, 404
/// where the path names a resource, 400 where a body, query or path parameter is
/// read, 413/415 where a body is read, 422 where a body, query or `Idempotency-Key`
/// is validated, 409 where a uniqueness rule or an `Idempotency-Key` can conflict,
/// 500 everywhere, and 503 wherever the store is reached.
pub fn document_errors(api: &mut OpenApiDoc) {
    for (path, item) in &mut api.paths.paths {
        let has_id = path.contains('{');
        let ops = [(&mut item.get, false), (&mut item.post, true), (&mut item.put, true), (&mut item.patch, true), (&mut item.delete, false)];
        for (op, writes) in ops {
            let Some(op) = op.as_mut() else { continue };
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = op.request_body.is_some();
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let mut add = |code: &str, what: &str| {
                op.responses.responses.entry(code.to_string()).or_insert_with(|| problem_response(what).into());
            };
            if has_body || has_query || has_id {
                add("400", "Malformed request: bad JSON syntax, a bad path parameter or query string.");
            }
            if secured {
                add("401", "Missing, unknown or revoked bearer token.");
                add("403", "The caller may see the resource but not do this.");
            }
            // A query parameter naming a person (`?person=`, `?subject=`) names a resource too.
            let names_person = params.iter().any(|p| p.parameter_in == ParameterIn::Query && (p.name == "person" || p.name == "subject"));
            if has_id || names_person {
                add("404", "No such resource, or the caller may not see it.");
            }
            let keyed = params.iter().any(|p| p.parameter_in == ParameterIn::Header && p.name == crate::replay::HEADER);
            if keyed || (writes && path != "/api/v1/framework") {
                add(
                    "409",
                    "Conflict: a uniqueness rule, or a request with the same Idempotency-Key still in flight (or whose answer held a secret shown once).",
                );
            }
            if has_body {
                add("413", "The body is larger than this endpoint accepts.");
                add("415", "The body is not application/json.");
            }
            if has_body || has_query || keyed {
                add("422", "The input parsed but is invalid; `errors` names each field.");
            }
            add("500", "Unexpected error; logged, details withheld.");
            if path != "/healthz" && path != "/api/openapi.json" && path != "/metrics" {
                add("503", "The store cannot take this now (disk full, read-only, unreachable); `Retry-After` says when to retry.");
            }
        }
    }
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new().description(description).content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build()).build()
}
