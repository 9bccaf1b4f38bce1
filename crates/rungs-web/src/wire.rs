//! The connection below the router. A request hyper cannot parse (a request line
//! over 64 KiB, headers over its buffer, a malformed method or header) never reaches
//! axum: hyper answers it itself with an empty body and closes the connection. This
//! listener gives those answers the same RFC 9457 body every other error has, by
//! recognising hyper's automatic response as it is written and writing a problem
//! document in its place.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use rungs_core::FieldError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::api::error::{PROBLEM_JSON, problem};

/// A TCP listener whose connections answer protocol errors with problem+json.
pub struct ProblemListener(pub TcpListener);

impl axum::serve::Listener for ProblemListener {
    type Io = ProblemIo<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (ProblemIo { inner: io, pending: None }, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection that rewrites hyper's body-less protocol-error responses.
pub struct ProblemIo<T> {
    inner: T,
    /// A replacement being written: its bytes, how many are out, and the length of
    /// hyper's original write (reported back as written once the replacement is).
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            match replacement(buf) {
                Some(bytes) => this.pending = Some((bytes, 0, buf.len())),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        // The caller retries the same buffer after `Pending`, so the replacement's
        // progress is kept here until all of it is out.
        while let Some((bytes, done, original)) = &mut this.pending {
            if *done == bytes.len() {
                let original = *original;
                this.pending = None;
                return Poll::Ready(Ok(original));
            }
            let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(0))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // Not vectored: hyper then writes a response head in one flat buffer, which is
    // what `replacement` recognises.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// The problem+json response for a write that is exactly one of hyper's automatic
/// protocol-error responses (a head with `content-length: 0` and nothing after it);
/// `None` for anything else. The router never answers 414 or 431, and its 400s always
/// carry a body, so nothing it writes matches.
fn replacement(buf: &[u8]) -> Option<Vec<u8>> {
    if buf.len() > 1024 || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = std::str::from_utf8(buf).ok()?;
    let status_line = head.strip_prefix("HTTP/1.1 ").or_else(|| head.strip_prefix("HTTP/1.0 "))?;
    // The status first: every body-less response (a 303 redirect) passes here, and
    // only these three need the header check below.
    let (status, field, reason) = match status_line.get(..3)? {
        "414" => (StatusCode::URI_TOO_LONG, "uri", "the path and query are over 65,534 bytes; no cursor or filter Rungs makes is this long"),
        "431" => (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers", "the request headers are over the server's limit (about 400 KiB)"),
        "400" => (StatusCode::BAD_REQUEST, "request", "not a well-formed HTTP/1.1 request (method, request line or a header could not be parsed)"),
        _ => return None,
    };
    if !head.to_ascii_lowercase().contains("\r\ncontent-length: 0\r\n") {
        return None;
    }
    let p = problem(status, format!("{field}: {reason}"), vec![FieldError { field: field.into(), reason: reason.into() }]);
    let body = serde_json::to_vec(&p).ok()?;
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::replacement;

    #[test]
    fn only_hypers_bodyless_error_heads_are_replaced() {
        let hyper_414 = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 12:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(hyper_414).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\ncontent-type: application/problem+json\r\n"), "{out}");
        assert!(out.contains(r#""type":"urn:rungs:problem:uri-too-long""#) && out.contains(r#""field":"uri""#), "{out}");
        // A response with a body, another status, or a body that merely looks like a head, is left alone.
        assert!(replacement(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n{\"a\":1}12345").is_none());
        assert!(replacement(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(replacement(b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 5\r\n\r\n").is_none());
    }
}
