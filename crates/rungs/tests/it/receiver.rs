//! A webhook receiver for tests: a real HTTP/1.1 server on loopback (plain tokio, no
//! framework) that keeps every request and answers what the test sets.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub status: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
}

impl Receiver {
    /// Listening on a free port, answering 200.
    pub async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let r = Receiver { url, got: Arc::default(), answer: Arc::new(AtomicU16::new(200)) };
        let (got, answer) = (r.got.clone(), r.answer.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (got, answer) = (got.clone(), answer.clone());
                tokio::spawn(async move {
                    // Keep-alive: one request after the other on the connection.
                    let mut buf = Vec::new();
                    loop {
                        let Some(end) = read_until_blank(&mut sock, &mut buf).await else { return };
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        let headers: Vec<(String, String)> =
                            head.lines().skip(1).filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
                        let len: usize = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
                        let mut body = buf[end + 4..].to_vec();
                        while body.len() < len {
                            let mut chunk = [0u8; 8192];
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => body.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buf = body.split_off(len);
                        let status = answer.load(Ordering::SeqCst);
                        got.lock().unwrap().push(Received { headers, body, status });
                        let reason = if status == 200 { "OK" } else { "Unavailable" };
                        let res = format!("HTTP/1.1 {status} {reason}\r\ncontent-length: 2\r\n\r\nok");
                        if sock.write_all(res.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        r
    }

    /// Answer `status` from now on (503: "down").
    pub fn answer(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// The requests answered 200.
    pub fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.status == 200).collect()
    }
}

/// Read until the end of the request head; the index of `\r\n\r\n` in `buf`.
async fn read_until_blank(sock: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(i);
        }
        let mut chunk = [0u8; 8192];
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
