//! The pictures of the progress page, as geometry for `progress.html` to draw in SVG
//! (the template escapes every label): readiness over time, and the milestone map as
//! a path of modules. Each picture has its numbers as a table beside it.

use rungs_app::readiness::HistoryPoint;
use serde::Serialize;

use super::fmt;

/// Chart box: a 400-wide viewBox keeps 11 px labels legible when scaled to a phone.
const W: f64 = 400.0;
const H: f64 = 170.0;
const LEFT: f64 = 30.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

#[derive(Debug, Serialize)]
pub struct Dot {
    x: f64,
    y: f64,
    score: u32,
    label: String,
    date: String,
    next: String,
    moved: bool,
    /// A month label under the axis (every other point, and the last).
    tick: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Trend {
    w: f64,
    h: f64,
    left: f64,
    right: f64,
    bottom: f64,
    grid: Vec<(f64, u32)>,
    /// One polyline per stretch toward the same next level (a promotion starts anew).
    lines: Vec<String>,
    dots: Vec<Dot>,
    /// From the first point to now: "+12 in 12 months".
    change: Option<i64>,
}

fn y_of(score: u32) -> f64 {
    TOP + (100.0 - f64::from(score.min(100))) / 100.0 * (H - TOP - BOTTOM)
}

/// Readiness over time; `None` when there are fewer than two points to join.
pub fn trend(points: &[HistoryPoint]) -> Option<Trend> {
    if points.iter().filter(|p| p.score.is_some()).count() < 2 {
        return None;
    }
    let n = points.len();
    let step = (W - LEFT - RIGHT) / (n.saturating_sub(1).max(1)) as f64;
    let mut lines: Vec<Vec<String>> = vec![];
    let mut dots = vec![];
    let mut open = false;
    for (i, p) in points.iter().enumerate() {
        let x = LEFT + step * i as f64;
        let Some(score) = p.score else {
            open = false;
            continue;
        };
        let y = y_of(score);
        if !open || p.moved {
            lines.push(vec![]);
        }
        open = true;
        if let Some(l) = lines.last_mut() {
            l.push(format!("{x:.1},{y:.1}"));
        }
        let last = i + 1 == n;
        let tick = if last {
            Some("now".to_string())
        } else if (n - 1 - i).is_multiple_of(2) {
            Some(p.at.format("%b").to_string())
        } else {
            None
        };
        let next = p.next_title.clone().unwrap_or_default();
        let date = if last { "Now".to_string() } else { fmt::date(p.at) };
        dots.push(Dot { x, y, score, label: format!("{date}: {score} / 100 toward {next}"), date, next, moved: p.moved, tick });
    }
    let first = dots.first().map(|d| i64::from(d.score));
    let change = match (first, dots.last()) {
        (Some(f), Some(l)) if !dots.iter().any(|d| d.moved) => Some(i64::from(l.score) - f),
        _ => None,
    };
    Some(Trend {
        w: W,
        h: H,
        left: LEFT,
        right: W - RIGHT,
        bottom: H - BOTTOM,
        grid: [0, 50, 100].into_iter().map(|s| (y_of(s), s)).collect(),
        lines: lines.into_iter().filter(|l| !l.is_empty()).map(|l| l.join(" ")).collect(),
        dots,
        change,
    })
}

#[derive(Debug, Serialize)]
pub struct Stop {
    cx: f64,
    title: String,
    short: String,
    complete: bool,
    next: bool,
    percent: u32,
}

#[derive(Debug, Serialize)]
pub struct Path {
    w: f64,
    stops: Vec<Stop>,
}

const STOP: f64 = 130.0;

/// The milestone map as stations on a line, done ones filled, the next one ringed.
/// `(title, complete, percent)` per module in order.
pub fn path(modules: &[(String, bool, u32)]) -> Option<Path> {
    if modules.is_empty() {
        return None;
    }
    let next = modules.iter().position(|(_, done, _)| !done);
    let stops = modules
        .iter()
        .enumerate()
        .map(|(i, (title, complete, percent))| {
            let short = if title.chars().count() > 18 { format!("{}…", title.chars().take(17).collect::<String>().trim_end()) } else { title.clone() };
            Stop { cx: STOP / 2.0 + STOP * i as f64, title: title.clone(), short, complete: *complete, next: next == Some(i), percent: *percent }
        })
        .collect();
    Some(Path { w: (STOP * modules.len() as f64).max(2.0 * STOP), stops })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn point(month: u32, score: Option<u32>, moved: bool) -> HistoryPoint {
        HistoryPoint {
            at: Utc.with_ymd_and_hms(2026, month, 28, 0, 0, 0).unwrap(),
            score,
            title: if moved { "Senior".into() } else { "Engineer".into() },
            next_title: Some("Senior".into()),
            moved,
        }
    }

    #[test]
    fn a_promotion_starts_a_new_line_and_the_change_is_only_shown_without_one() {
        let t = trend(&[point(1, Some(20), false), point(2, Some(60), false), point(3, Some(10), true), point(4, Some(30), false)]).unwrap();
        assert_eq!(t.lines.len(), 2, "{:?}", t.lines);
        assert_eq!(t.change, None);
        assert_eq!(t.dots.len(), 4);
        assert!(t.dots[0].y > t.dots[1].y, "a higher score is drawn higher");
        let t = trend(&[point(1, Some(20), false), point(2, Some(45), false)]).unwrap();
        assert_eq!(t.change, Some(25));
        assert_eq!(t.dots.last().unwrap().tick.as_deref(), Some("now"));
        assert!(trend(&[point(1, Some(20), false)]).is_none(), "one point is not a trend");
    }

    #[test]
    fn the_next_module_is_the_first_not_complete() {
        let p = path(&[("Ship a thing".into(), true, 100), ("Lead an incident review end to end".into(), false, 40), ("Mentor".into(), false, 0)]).unwrap();
        let next: Vec<bool> = p.stops.iter().map(|s| s.next).collect();
        assert_eq!(next, [false, true, false]);
        assert!(p.stops[1].short.ends_with('…') && p.stops[1].short.chars().count() <= 18);
    }
}
