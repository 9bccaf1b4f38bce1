//! `/scim/v2`: SCIM 2.0 over HTTP (RFC 7644). Bodies are `application/scim+json`
//! (plain `application/json` is accepted too, as Okta and Entra may send it), errors
//! are SCIM errors (`urn:ietf:params:scim:api:messages:2.0:Error`), authentication is
//! a SCIM bearer token (never an API token). Outside the OpenAPI document: SCIM has
//! its own discovery (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rungs_app::scim::{self, ListQuery, Projection, Resource};
use rungs_app::{AppError, Viewer};
use serde_json::{Value, json};

use crate::AppState;

pub const SCIM_JSON: &str = "application/scim+json";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM error response.
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError { status, scim_type, detail: detail.into() }
    }
}

impl From<AppError> for ScimError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(v) => {
                let field = v.errors.first().map(|f| f.field.clone()).unwrap_or_default();
                let scim_type = match field.as_str() {
                    "filter" => "invalidFilter",
                    "path" => "invalidPath",
                    f if f.ends_with(".path") => "invalidPath",
                    _ => "invalidValue",
                };
                let detail = v.errors.iter().map(|f| format!("{}: {}", f.field, f.reason)).collect::<Vec<_>>().join("; ");
                ScimError::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
            }
            AppError::NotFound => ScimError::new(StatusCode::NOT_FOUND, None, "no such resource"),
            AppError::Unauthorized => ScimError::new(StatusCode::UNAUTHORIZED, None, "send a SCIM token: Authorization: Bearer rungs_…"),
            AppError::Forbidden(m) => ScimError::new(StatusCode::FORBIDDEN, None, m),
            AppError::Conflict { field, reason } if field == "If-Match" => ScimError::new(StatusCode::PRECONDITION_FAILED, None, reason),
            AppError::Conflict { field, reason } => ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), format!("{field}: {reason}")),
            AppError::Unavailable { reason, .. } => ScimError::new(StatusCode::SERVICE_UNAVAILABLE, None, reason),
            AppError::Unexpected(cause) => {
                tracing::error!(error = %rungs_core::error::report(&cause), "scim request failed");
                ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, None, "unexpected error")
            }
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({"schemas": [ERROR], "status": self.status.as_u16().to_string(), "detail": self.detail});
        if let (Some(t), Some(m)) = (self.scim_type, body.as_object_mut()) {
            m.insert("scimType".into(), json!(t));
        }
        let mut res = scim_json(self.status, &body);
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"scim\""));
        }
        res
    }
}

fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    res
}

fn resource(status: StatusCode, r: &Resource) -> Response {
    let mut res = scim_json(status, &r.json);
    if let Ok(v) = HeaderValue::from_str(&r.etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Some(loc) = r.json.pointer("/meta/location").and_then(Value::as_str).and_then(|l| HeaderValue::from_str(l).ok())
    {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    res
}

/// The caller, authenticated with a SCIM token.
pub struct ScimAuth(Viewer);

impl FromRequestParts<AppState> for ScimAuth {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, s)| s.trim().to_string())
            .ok_or(AppError::Unauthorized)?;
        Ok(ScimAuth(rungs_app::tokens::authenticate_scim(state.store.as_ref(), &secret).await?))
    }
}

/// `{scheme}://{host}/scim/v2`, for `meta.location`.
fn base(h: &HeaderMap) -> String {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let proto = h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).unwrap_or("http");
    format!("{proto}://{host}/scim/v2")
}

fn if_match(h: &HeaderMap) -> Option<&str> {
    h.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}

/// A JSON body, whatever JSON content type it came with.
fn body(b: &Bytes) -> Result<Value, ScimError> {
    match serde_json::from_slice::<Value>(b) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ScimError::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), "the body must be a JSON object")),
        Err(e) => Err(ScimError::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), format!("the body is not JSON: {e}"))),
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

/// A whole number from a query or a search body: negative numbers are taken as 0
/// (RFC 7644 3.4.2.4).
fn number(name: &str, v: Option<&Value>) -> Result<Option<usize>, ScimError> {
    let n = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    let n = n.ok_or_else(|| ScimError::new(StatusCode::BAD_REQUEST, Some("invalidValue"), format!("{name}: must be a whole number")))?;
    Ok(Some(usize::try_from(n.max(0)).unwrap_or(0)))
}

impl ListParams {
    fn query(self) -> Result<ListQuery, ScimError> {
        let projection = projection(self.attributes.as_deref(), self.excluded_attributes.as_deref())?;
        let start = number("startIndex", self.start_index.map(Value::String).as_ref())?;
        let count = number("count", self.count.map(Value::String).as_ref())?;
        Ok(ListQuery::new(self.filter, start, count, projection))
    }
}

/// `attributes` and `excludedAttributes` are mutually exclusive (RFC 7644 3.4.2.5).
fn projection(attributes: Option<&str>, excluded: Option<&str>) -> Result<Projection, ScimError> {
    let p = Projection::new(attributes, excluded);
    if !p.attributes.is_empty() && !p.excluded.is_empty() {
        return Err(ScimError::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), "attributes and excludedAttributes cannot both be given"));
    }
    Ok(p)
}

/// `?attributes=` / `?excludedAttributes=` on any request that answers a resource.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionParams {
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

impl ProjectionParams {
    fn projection(&self) -> Result<Projection, ScimError> {
        projection(self.attributes.as_deref(), self.excluded_attributes.as_deref())
    }
}

/// A `SearchRequest` body (RFC 7644 3.4.3) as a list query.
fn search_query(b: &Bytes) -> Result<ListQuery, ScimError> {
    let v = body(b)?;
    let get = |name: &str| scim::filter::get_ci(&v, name);
    let joined = |name: &str| -> Result<Option<String>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Array(a)) => Ok(Some(a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))),
            Some(_) => Err(ScimError::new(StatusCode::BAD_REQUEST, Some("invalidValue"), format!("{name}: must be a list of attribute names"))),
        }
    };
    let projection = projection(joined("attributes")?.as_deref(), joined("excludedAttributes")?.as_deref())?;
    let filter = match get("filter") {
        None | Some(Value::Null) => None,
        Some(Value::String(f)) => Some(f.clone()),
        Some(_) => return Err(ScimError::new(StatusCode::BAD_REQUEST, Some("invalidFilter"), "filter: must be a string")),
    };
    Ok(ListQuery::new(filter, number("startIndex", get("startIndex"))?, number("count", get("count"))?, projection))
}

/// A resource answer, projected as asked (the ETag is the whole resource's).
fn projected(status: StatusCode, mut r: Resource, p: &Projection) -> Response {
    p.apply(&mut r.json);
    resource(status, &r)
}

type Res = Result<Response, ScimError>;

async fn list_users(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Query(q): Query<ListParams>) -> Res {
    Ok(scim_json(StatusCode::OK, &scim::users::list(s.store.as_ref(), &v, &q.query()?, &base(&h)).await?))
}
async fn search_users(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, b: Bytes) -> Res {
    Ok(scim_json(StatusCode::OK, &scim::users::list(s.store.as_ref(), &v, &search_query(&b)?, &base(&h)).await?))
}
async fn create_user(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Query(p): Query<ProjectionParams>, b: Bytes) -> Res {
    let p = p.projection()?;
    Ok(projected(StatusCode::CREATED, scim::users::create(s.store.as_ref(), &v, &body(&b)?, &base(&h)).await?, &p))
}
async fn get_user(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Path(id): Path<String>, Query(p): Query<ProjectionParams>) -> Res {
    let p = p.projection()?;
    Ok(projected(StatusCode::OK, scim::users::get(s.store.as_ref(), &v, &id, &base(&h)).await?, &p))
}
async fn put_user(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Path(id): Path<String>, Query(p): Query<ProjectionParams>, b: Bytes) -> Res {
    let p = p.projection()?;
    Ok(projected(StatusCode::OK, scim::users::replace(s.store.as_ref(), &v, &id, &body(&b)?, if_match(&h), &base(&h)).await?, &p))
}
async fn patch_user(
    State(s): State<AppState>,
    ScimAuth(v): ScimAuth,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<ProjectionParams>,
    b: Bytes,
) -> Res {
    let p = p.projection()?;
    Ok(projected(StatusCode::OK, scim::users::patch(s.store.as_ref(), &v, &id, &body(&b)?, if_match(&h), &base(&h)).await?, &p))
}
async fn delete_user(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Path(id): Path<String>) -> Res {
    scim::users::delete(s.store.as_ref(), &v, &id, if_match(&h), &base(&h)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
async fn list_groups(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Query(q): Query<ListParams>) -> Res {
    Ok(scim_json(StatusCode::OK, &scim::groups::list(s.store.as_ref(), &v, &q.query()?, &base(&h)).await?))
}
async fn search_groups(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, b: Bytes) -> Res {
    Ok(scim_json(StatusCode::OK, &scim::groups::list(s.store.as_ref(), &v, &search_query(&b)?, &base(&h)).await?))
}
async fn search_all(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, b: Bytes) -> Res {
    Ok(scim_json(StatusCode::OK, &scim::search_all(s.store.as_ref(), &v, &search_query(&b)?, &base(&h)).await?))
}
async fn create_group(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Query(p): Query<ProjectionParams>, b: Bytes) -> Res {
    let p = p.projection()?;
    Ok(projected(StatusCode::CREATED, scim::groups::create(s.store.as_ref(), &v, &body(&b)?, &base(&h)).await?, &p))
}
async fn get_group(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Path(id): Path<String>, Query(p): Query<ProjectionParams>) -> Res {
    let p = p.projection()?;
    Ok(projected(StatusCode::OK, scim::groups::get(s.store.as_ref(), &v, &id, &base(&h)).await?, &p))
}
async fn put_group(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Path(id): Path<String>, Query(p): Query<ProjectionParams>, b: Bytes) -> Res {
    let p = p.projection()?;
    Ok(projected(StatusCode::OK, scim::groups::replace(s.store.as_ref(), &v, &id, &body(&b)?, if_match(&h), &base(&h)).await?, &p))
}
async fn patch_group(
    State(s): State<AppState>,
    ScimAuth(v): ScimAuth,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<ProjectionParams>,
    b: Bytes,
) -> Res {
    let p = p.projection()?;
    Ok(projected(StatusCode::OK, scim::groups::patch(s.store.as_ref(), &v, &id, &body(&b)?, if_match(&h), &base(&h)).await?, &p))
}
async fn delete_group(State(s): State<AppState>, ScimAuth(v): ScimAuth, h: HeaderMap, Path(id): Path<String>) -> Res {
    scim::groups::delete(s.store.as_ref(), &v, &id, if_match(&h), &base(&h)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn list_of(items: Vec<Value>) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": items.len(), "startIndex": 1, "itemsPerPage": items.len(), "Resources": items})
}
fn one_of(items: Vec<Value>, id: &str) -> Res {
    items
        .into_iter()
        .find(|r| r["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
        .map(|r| scim_json(StatusCode::OK, &r))
        .ok_or(AppError::NotFound.into())
}
async fn service_provider_config(ScimAuth(_): ScimAuth, h: HeaderMap) -> Res {
    Ok(scim_json(StatusCode::OK, &scim::schemas::service_provider_config(&base(&h))))
}
async fn resource_types(ScimAuth(_): ScimAuth, h: HeaderMap) -> Res {
    Ok(scim_json(StatusCode::OK, &list_of(scim::schemas::resource_types(&base(&h)))))
}
async fn resource_type(ScimAuth(_): ScimAuth, h: HeaderMap, Path(id): Path<String>) -> Res {
    one_of(scim::schemas::resource_types(&base(&h)), &id)
}
async fn schemas(ScimAuth(_): ScimAuth, h: HeaderMap) -> Res {
    Ok(scim_json(StatusCode::OK, &list_of(scim::schemas::schemas(&base(&h)))))
}
async fn schema(ScimAuth(_): ScimAuth, h: HeaderMap, Path(id): Path<String>) -> Res {
    one_of(scim::schemas::schemas(&base(&h)), &id)
}
async fn unknown() -> ScimError {
    ScimError::new(StatusCode::NOT_FOUND, None, "no SCIM endpoint at this path")
}

/// The `/scim/v2` routes.
pub fn routes() -> Router<AppState> {
    let r = Router::new()
        .route("/Users", get(list_users).post(create_user))
        .route("/Users/.search", post(search_users))
        .route("/Users/{id}", get(get_user).put(put_user).patch(patch_user).delete(delete_user))
        .route("/Groups", get(list_groups).post(create_group))
        .route("/Groups/.search", post(search_groups))
        .route("/.search", post(search_all))
        .route("/Groups/{id}", get(get_group).put(put_group).patch(patch_group).delete(delete_group))
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .fallback(unknown);
    Router::new().nest("/scim/v2", r)
}
