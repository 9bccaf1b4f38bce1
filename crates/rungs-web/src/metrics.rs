//! Request metrics in the Prometheus text format, hand-rolled: a few counters and one
//! histogram do not justify a metrics framework. Routes are labelled by their matched
//! template (`/api/v1/people/{id}`), never the raw URI, so label cardinality is bounded.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use rungs_core::store::StoreStats;

/// Upper bounds (seconds) of the request-duration histogram buckets.
pub const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Label used for requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

#[derive(Debug, Default)]
struct Histogram {
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    /// (route, method, status) → count.
    requests: BTreeMap<(String, String, u16), u64>,
    durations: BTreeMap<String, Histogram>,
    /// Evidence deliveries taken: (source kind, outcome or `duplicate`) → count.
    evidence_received: BTreeMap<(String, String), u64>,
    /// Evidence deliveries refused: (source kind or `unknown`, reason) → count.
    evidence_refused: BTreeMap<(String, String), u64>,
    /// (integration, reason) → inbound integration requests refused (bad signature...).
    refused: BTreeMap<(String, String), u64>,
}

/// The process-wide registry; one per [`crate::AppState`].
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Count one finished request.
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut m = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *m.requests.entry((route.to_string(), method.to_string(), status)).or_default() += 1;
        let h = m.durations.entry(route.to_string()).or_default();
        let slot = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        h.counts[slot] += 1;
        h.sum += secs;
        h.count += 1;
    }

    /// Count an authentic evidence delivery by what became of it.
    pub fn evidence_received(&self, kind: &str, outcome: &str) {
        let mut m = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *m.evidence_received.entry((kind.to_string(), outcome.to_string())).or_default() += 1;
    }

    /// Count a refused evidence delivery: `unknown_sender`, `unsigned`,
    /// `bad_signature`, `stale` or `malformed`.
    pub fn evidence_refused(&self, kind: &str, reason: &str) {
        let mut m = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *m.evidence_refused.entry((kind.to_string(), reason.to_string())).or_default() += 1;
    }

    /// Count one inbound integration request refused (`integration` like `slack`,
    /// `reason` like `forged` or `stale`).
    pub fn refuse(&self, integration: &str, reason: &str) {
        let mut m = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *m.refused.entry((integration.to_string(), reason.to_string())).or_default() += 1;
    }

    /// The exposition text; `stats` is `None` when the store could not be asked.
    pub fn render(&self, stats: Option<StoreStats>) -> String {
        let m = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = String::new();
        out.push_str("# HELP http_requests_total HTTP requests answered, by matched route, method and status.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for ((route, method, status), n) in &m.requests {
            let _ = writeln!(out, "http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}", esc(route), esc(method));
        }
        out.push_str("# HELP http_request_duration_seconds Time to answer an HTTP request, by matched route.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for (route, h) in &m.durations {
            let route = esc(route);
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.counts[i];
                let _ = writeln!(out, "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        out.push_str("# HELP rungs_evidence_received_total Evidence deliveries taken, by source kind and outcome.\n");
        out.push_str("# TYPE rungs_evidence_received_total counter\n");
        for ((kind, outcome), n) in &m.evidence_received {
            let _ = writeln!(out, "rungs_evidence_received_total{{source=\"{}\",outcome=\"{}\"}} {n}", esc(kind), esc(outcome));
        }
        out.push_str("# HELP rungs_evidence_refused_total Evidence deliveries refused (unknown sender, unsigned, bad signature, stale, malformed).\n");
        out.push_str("# TYPE rungs_evidence_refused_total counter\n");
        for ((kind, reason), n) in &m.evidence_refused {
            let _ = writeln!(out, "rungs_evidence_refused_total{{source=\"{}\",reason=\"{}\"}} {n}", esc(kind), esc(reason));
        }
        out.push_str("# HELP rungs_integration_requests_refused_total Inbound integration requests refused, by integration and reason.\n");
        out.push_str("# TYPE rungs_integration_requests_refused_total counter\n");
        for ((integration, reason), n) in &m.refused {
            let _ = writeln!(out, "rungs_integration_requests_refused_total{{integration=\"{}\",reason=\"{}\"}} {n}", esc(integration), esc(reason));
        }
        if let Some(s) = stats {
            gauge(&mut out, "rungs_ledger_events", "Events in the ledger.", s.events);
            gauge(&mut out, "rungs_people", "People known to the projections.", s.people);
            gauge(&mut out, "rungs_write_queue_depth", "Appends waiting for the writer.", s.write_queue_depth);
        }
        out
    }
}

fn gauge(out: &mut String, name: &str, help: &str, v: u64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
}

/// Escape a label value (backslash, quote, newline).
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_end_at_the_count() {
        let m = Metrics::default();
        m.observe("/x", "GET", 200, Duration::from_millis(3));
        m.observe("/x", "GET", 200, Duration::from_secs(60));
        let text = m.render(None);
        assert!(text.contains("http_request_duration_seconds_bucket{route=\"/x\",le=\"0.005\"} 1"), "{text}");
        assert!(text.contains("http_request_duration_seconds_bucket{route=\"/x\",le=\"5\"} 1"), "{text}");
        assert!(text.contains("http_request_duration_seconds_bucket{route=\"/x\",le=\"+Inf\"} 2"), "{text}");
        assert!(text.contains("http_requests_total{route=\"/x\",method=\"GET\",status=\"200\"} 2"), "{text}");
    }
}
