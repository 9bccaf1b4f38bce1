//! A message that survives one redirect: a refused POST answers 303 (so a refresh
//! does not send it again) and the page it lands on says why. The message rides in a
//! short-lived cookie that only this server sets (never in the URL, where anyone
//! could write text onto our pages), and the page that shows it clears it.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use super::error::{encode, see_other};
use crate::extract::session::{cookie, is_https, set_cookie};

const FLASH_COOKIE: &str = "rungs_flash";
/// Long enough for the redirect to be followed, short enough not to linger.
const FLASH_MAX_AGE: i64 = 60;

/// A 303 to `to` carrying `msg` for the page there.
pub fn see_other_with(to: &str, msg: &str, headers: &HeaderMap) -> Response {
    let mut res = see_other(to);
    let c = set_cookie(FLASH_COOKIE, &encode(msg), Some(FLASH_MAX_AGE), is_https(headers));
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The message waiting for this page, if any.
pub fn take(headers: &HeaderMap) -> Option<String> {
    let raw = cookie(headers, FLASH_COOKIE).filter(|v| !v.is_empty())?;
    String::from_utf8(super::error::percent_decode(&raw)).ok()
}

/// Clear the message on `res` once a page has shown it.
pub fn clear(res: &mut Response, headers: &HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&set_cookie(FLASH_COOKIE, "", Some(0), is_https(headers))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}
