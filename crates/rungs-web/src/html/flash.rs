//! A message that survives one redirect: a refused POST answers 303 (so a refresh
//! does not send it again) and the page it lands on says why. The message rides in a
//! short-lived cookie that only this server sets (never in the URL, where anyone
//! could write text onto our pages), and the page that shows it clears it.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use super::error::{encode, see_other};
use crate::extract::session::{cookie, is_https, set_cookie};

const FLASH_COOKIE: &str = "rungs_flash";
/// A value to show once, on its own (a webhook's signing secret): kept apart from the
/// message so a page can show it in its own place. Like the message it lives in the
/// browser for at most a minute and is cleared by the page that shows it; the server
/// keeps no copy.
const ONCE_COOKIE: &str = "rungs_once";
/// Long enough for the redirect to be followed, short enough not to linger.
const FLASH_MAX_AGE: i64 = 60;

/// A 303 to `to` carrying `msg` for the page there.
pub fn see_other_with(to: &str, msg: &str, headers: &HeaderMap) -> Response {
    let mut res = see_other(to);
    put(&mut res, FLASH_COOKIE, msg, headers);
    res
}

/// A 303 to `to` carrying `msg` and a value to show once (see [`ONCE_COOKIE`]).
pub fn see_other_with_once(to: &str, msg: &str, once: &str, headers: &HeaderMap) -> Response {
    let mut res = see_other_with(to, msg, headers);
    put(&mut res, ONCE_COOKIE, once, headers);
    res
}

fn put(res: &mut Response, name: &str, value: &str, headers: &HeaderMap) {
    let c = set_cookie(name, &encode(value), Some(FLASH_MAX_AGE), is_https(headers));
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    let raw = cookie(headers, name).filter(|v| !v.is_empty())?;
    String::from_utf8(super::error::percent_decode(&raw)).ok()
}

/// The message waiting for this page, if any.
pub fn take(headers: &HeaderMap) -> Option<String> {
    get(headers, FLASH_COOKIE)
}

/// The value to show once waiting for this page, if any.
pub fn take_once(headers: &HeaderMap) -> Option<String> {
    get(headers, ONCE_COOKIE)
}

/// Clear the message on `res` once a page has shown it.
pub fn clear(res: &mut Response, headers: &HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&set_cookie(FLASH_COOKIE, "", Some(0), is_https(headers))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Clear the value shown once on `res`.
pub fn clear_once(res: &mut Response, headers: &HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&set_cookie(ONCE_COOKIE, "", Some(0), is_https(headers))) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}
