//! How long a framework import preview takes on large and hostile files (issue 15):
//! `cargo bench -p rungs-core --bench ladders`. Prints a Markdown table for
//! docs/BENCHMARKS.md; the budgets are 0.5 s for a 2,000-competency matrix and 1 s
//! for a 1 MB Markdown file. Each case is run five times; the median is shown.
#![allow(clippy::unwrap_used)] // tests and benches stop at the first surprise

use std::time::{Duration, Instant};

use rungs_core::framework::drift::Confirmations;
use rungs_core::framework::ladder::Mapping;
use rungs_core::framework::{Framework, markdown, matrix};

fn median(mut f: impl FnMut()) -> Duration {
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    runs.sort();
    runs[2]
}

const WORDS: &[&str] = &[
    "system",
    "design",
    "testing",
    "delivery",
    "mentoring",
    "hiring",
    "incident",
    "review",
    "planning",
    "writing",
    "security",
    "data",
    "quality",
    "ownership",
    "strategy",
    "coaching",
    "budget",
    "research",
    "platform",
    "product",
];

/// 2,000 competencies with varied names (some drift on purpose), 6 levels, categories.
fn matrix_csv() -> String {
    let mut s = String::from("Category,Competency,Description,L1,L2,L3,L4,L5,L6\n");
    for i in 0..2000 {
        let (a, b, c) = (WORDS[i % 20], WORDS[(i / 20) % 20], WORDS[(i / 400) % 20]);
        let cat = if i % 40 == 0 { format!("Area {}", i / 40) } else { String::new() };
        s.push_str(&format!("{cat},{a} {b} {c} {i},\"what {a} means\""));
        for l in 1..=6 {
            s.push_str(&format!(",\"At level {l}, does {a} and {b} work; reviews {c}\""));
        }
        s.push('\n');
    }
    s
}

/// A 1 MB levels-first Markdown ladder: 6 levels, many competencies with criteria.
fn markdown_ladder() -> String {
    let mut s = String::from("# Engineering\n\nIntro prose.\n\n");
    let mut i = 0;
    while s.len() < 1_000_000 {
        let level = i / 1000 % 6 + 1;
        if i % 1000 == 0 {
            s.push_str(&format!("## L{level} — Level {level} engineer\n\n"));
        }
        let (a, b, c) = (WORDS[i % 20], WORDS[i / 20 % 20], WORDS[i / 400 % 20]);
        s.push_str(&format!("### {a} {b} {c}\n- Does the work of {a} well, and explains it\n- Reviews others' {b} work\n\n"));
        i += 1;
    }
    s
}

/// The hostile file of the issue: ~1 MB of 49,000 level headings.
fn hostile_headings() -> String {
    let mut s = String::from("# Engineering\n");
    for i in 0..49_000 {
        s.push_str(&format!("## L{i}\n"));
    }
    s
}

fn main() {
    let fw = Framework::default();
    let none = Confirmations::default();
    let csv = matrix_csv();
    let md = markdown_ladder();
    let hostile = hostile_headings();
    println!("| case | size | median of 5 | budget | flagged pairs |\n|---|---|---|---|---|");
    let pairs = |p: &rungs_core::framework::ladder::MatrixPreview| p.drift.len() + p.drift_more;
    let mut n = 0;
    let t = median(|| {
        let (_, p) = matrix::import_mapped(&fw, Some("Engineering"), "m.csv", &csv, &Mapping::default(), &none).unwrap();
        assert_eq!(p.competencies.len(), 2000);
        n = pairs(&p);
    });
    println!("| 2,000-competency CSV matrix, 6 levels, new track | {} KB | {:.3} s | 0.5 s | {n} |", csv.len() / 1024, t.as_secs_f64());
    let t = median(|| {
        let (_, p) = markdown::import(&fw, None, "l.md", &md, &none).unwrap();
        assert!(p.competencies.len() > 1000);
        n = pairs(&p);
    });
    println!("| 1 MB levels-first Markdown ladder | {} KB | {:.3} s | 1 s | {n} |", md.len() / 1024, t.as_secs_f64());
    let t = median(|| {
        let e = markdown::import(&fw, None, "h.md", &hostile, &none).unwrap_err();
        assert!(e.errors[0].reason.contains("levels, more than"));
    });
    println!("| 49,000 level headings (refused) | {} KB | {:.3} s | 1 s | – |", hostile.len() / 1024, t.as_secs_f64());
}
