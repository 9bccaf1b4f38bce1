//! Markdown lines to blocks: headings (ATX `##`, setext underlines, and lines that are
//! only bold text, which ladders use as small headings), list items with their
//! indent, prose, and pipe-table rows, each with its line and inline formatting
//! removed. Front matter, fenced code and HTML comments are skipped and noted.

use crate::framework::ladder::strip_html;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// `#` .. `######`, or a setext heading (1 or 2).
    Heading(u8),
    /// A line that is only bold text: a heading one below the last real one.
    Label,
    /// A list item and the column its marker starts in.
    Bullet(usize),
    /// A list item that is only a link (navigation), or a horizontal rule: what
    /// follows a rule until the next heading is around the ladder, not in it.
    Nav,
    Rule,
    Prose,
    /// The first row of a pipe table.
    TableHead(Vec<String>),
    TableRow(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Block {
    pub kind: Kind,
    pub text: String,
    /// For a list item that starts with bold text (`- **Testing**: writes tests`): the
    /// bold part; `text` is then the rest.
    pub lead: Option<String>,
    pub line: usize,
}

/// What the scan found, and what it forgave on the way.
#[derive(Default)]
pub(super) struct Scan {
    pub blocks: Vec<Block>,
    pub tolerated: Vec<String>,
    /// Whether inline formatting (emphasis, links, code, HTML) was removed.
    pub formatting: bool,
}

/// Remove inline Markdown and HTML: emphasis, code spans, links and images (their text
/// stays), entities; collapse whitespace. Returns whether anything was removed.
pub(super) fn inline(s: &str) -> (String, bool) {
    let (s, html) = strip_html(s);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        match c {
            '\\' if next.is_some_and(|n| n.is_ascii_punctuation()) => {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '!' if next == Some('[') => {}
            '[' => {
                // `[text](url)` or `[text][ref]`: keep the text.
                if let Some(close) = chars[i..].iter().position(|&x| x == ']').map(|p| p + i)
                    && let Some(&open) = chars.get(close + 1)
                    && (open == '(' || open == '[')
                    && let Some(end) = chars[close + 1..].iter().position(|&x| x == if open == '(' { ')' } else { ']' })
                {
                    out.extend(&chars[i + 1..close]);
                    i = close + 2 + end;
                    continue;
                }
                out.push(c);
            }
            '*' | '`' | '~' => {}
            '_' if !(prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphanumeric)) => {}
            _ => out.push(c),
        }
        i += 1;
    }
    let mut out = out.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let changed = html || out != s.split_whitespace().collect::<Vec<_>>().join(" ");
    (out, changed)
}

/// `**Text**`, `__Text__`, `**Text:**` or `**Text**:` alone on a line.
fn bold_only(t: &str) -> Option<&str> {
    let t = t.strip_suffix(':').unwrap_or(t);
    let inner = t.strip_prefix("**").and_then(|r| r.strip_suffix("**")).or_else(|| t.strip_prefix("__").and_then(|r| r.strip_suffix("__")))?;
    // `__Experience: 3 years__` is a sentence in bold, not a small heading.
    let sentence = inner.split_once(':').is_some_and(|(_, rest)| !rest.trim().is_empty());
    (!inner.is_empty() && !inner.contains("**") && !sentence).then_some(inner)
}

/// `_Summary_` or `*Summary*` alone on a line: a caption (single emphasis).
fn italic_only(t: &str) -> Option<&str> {
    let inner = t.strip_prefix('_').and_then(|r| r.strip_suffix('_')).or_else(|| t.strip_prefix('*').and_then(|r| r.strip_suffix('*')))?;
    let plain = !inner.is_empty() && !inner.starts_with(['_', '*', ' ']) && !inner.ends_with(['_', '*', ' ']) && !inner.contains(['_', '*']);
    (plain && inner.split_whitespace().count() <= 6 && !inner.ends_with('.')).then_some(inner)
}

/// A list marker (`-`, `*`, `+`, `1.`, `1)`) and the text after it.
fn bullet(t: &str) -> Option<&str> {
    if let Some(rest) = t.strip_prefix(['-', '*', '+']) {
        return (rest.starts_with(' ') || rest.is_empty()).then(|| rest.trim());
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    let rest = &t[digits..];
    if (1..=3).contains(&digits) && (rest.starts_with(". ") || rest.starts_with(") ")) {
        return Some(rest[2..].trim());
    }
    None
}

/// `[Design](design.md)`: a list item that is only a link.
fn link_only(t: &str) -> bool {
    t.starts_with('[') && t.ends_with(')') && t.find("](").is_some_and(|i| !t[i + 2..t.len() - 1].contains(' ') && !t[1..i].contains(']'))
}

/// `**Lead**: rest` or `**Lead:** rest`.
fn lead_in(t: &str) -> Option<(&str, &str)> {
    let rest = t.strip_prefix("**")?;
    let end = rest.find("**")?;
    let (lead, after) = (&rest[..end], &rest[end + 2..]);
    let lead = lead.trim().trim_end_matches(':');
    let after = after.trim_start_matches([':', ' ', '—', '–', '-']);
    (!lead.is_empty() && !after.is_empty()).then_some((lead, after))
}

fn table_cells(t: &str) -> Vec<String> {
    let t = t.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") { &t[..t.len() - 1] } else { t };
    let mut cells = vec![String::new()];
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap_or(&mut String::new()).push('|');
                chars.next();
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap_or(&mut String::new()).push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

/// `|---|:--:|`: the row under a table's header.
fn separator_row(t: &str) -> bool {
    t.contains('|') && t.contains('-') && table_cells(t).iter().all(|c| !c.is_empty() && c.trim_matches(':').chars().all(|x| x == '-'))
}

/// Scan `text` (no byte-order mark; any line ends).
pub(super) fn scan(file: &str, text: &str) -> Scan {
    let mut s = Scan::default();
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut i = 0;
    let mut tabs = Vec::new();
    let (mut in_table, mut joinable) = (false, false);
    let push = |s: &mut Scan, kind: Kind, raw: &str, line: usize| {
        let (text, f) = inline(raw);
        s.formatting |= f;
        s.blocks.push(Block { kind, text, lead: None, line });
    };
    if lines.first().is_some_and(|l| l.trim() == "---")
        && let Some(end) = lines.iter().skip(1).position(|l| l.trim() == "---" || l.trim() == "...")
    {
        s.tolerated.push(format!("{file}:1: front matter (lines 1–{}) skipped", end + 2));
        i = end + 2;
    }
    while i < lines.len() {
        let n = i + 1;
        let raw = lines[i];
        i += 1;
        let lead_ws = raw.len() - raw.trim_start_matches([' ', '\t']).len();
        if raw[..lead_ws].contains('\t') {
            tabs.push(n);
        }
        let indent: usize = raw[..lead_ws].chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
        let t = raw.trim().replace('\t', " ");
        let t = t.as_str();
        if t.starts_with("```") || t.starts_with("~~~") {
            let fence = &t[..3];
            let end = lines[i..].iter().position(|l| l.trim().starts_with(fence)).map_or(lines.len(), |p| i + p);
            s.tolerated.push(format!("{file}:{n}: code block skipped"));
            i = end + 1;
            (in_table, joinable) = (false, false);
            continue;
        }
        if t.starts_with("<!--") {
            let end = if t.contains("-->") { i - 1 } else { lines[i..].iter().position(|l| l.contains("-->")).map_or(lines.len(), |p| i + p) };
            s.tolerated.push(format!("{file}:{n}: HTML comment skipped"));
            i = end + 1;
            continue;
        }
        if t.is_empty() {
            (in_table, joinable) = (false, false);
            continue;
        }
        // A table: a row of pipes with a separator row under it, then rows until a blank line.
        if !in_table && t.contains('|') && lines.get(i).is_some_and(|next| separator_row(next)) {
            let cells = table_cells(t).iter().map(|c| inline(c).0).collect();
            s.blocks.push(Block { kind: Kind::TableHead(cells), text: String::new(), lead: None, line: n });
            in_table = true;
            i += 1;
            continue;
        }
        if in_table && t.contains('|') {
            let mut cells = Vec::new();
            for c in table_cells(t) {
                let (c, f) = inline(&c);
                s.formatting |= f;
                cells.push(c);
            }
            s.blocks.push(Block { kind: Kind::TableRow(cells), text: String::new(), lead: None, line: n });
            continue;
        }
        in_table = false;
        let hashes = t.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && indent < 4 && (t.len() == hashes || t[hashes..].starts_with(' ')) {
            let body = t[hashes..].trim().trim_end_matches('#').trim();
            push(&mut s, Kind::Heading(hashes as u8), body, n);
            joinable = false;
            continue;
        }
        let underline = |c: char| t.len() >= 2 && t.chars().all(|x| x == c);
        if (underline('=') || underline('-')) && joinable && s.blocks.last().is_some_and(|b| b.kind == Kind::Prose && b.line == n - 1) {
            if let Some(b) = s.blocks.last_mut() {
                b.kind = Kind::Heading(if t.starts_with('=') { 1 } else { 2 });
            }
            joinable = false;
            continue;
        }
        if t.len() >= 3 && (underline('-') || underline('*') || underline('_')) {
            joinable = false;
            s.blocks.push(Block { kind: Kind::Rule, text: String::new(), lead: None, line: n });
            continue;
        }
        if let Some(body) = bullet(t)
            && link_only(body)
        {
            s.blocks.push(Block { kind: Kind::Nav, text: body.to_string(), lead: None, line: n });
            joinable = false;
            continue;
        }
        if let Some(body) = bullet(t) {
            let body = body.strip_prefix("[ ] ").or_else(|| body.strip_prefix("[x] ")).or_else(|| body.strip_prefix("[X] ")).unwrap_or(body);
            match lead_in(body) {
                Some((lead, rest)) => {
                    push(&mut s, Kind::Bullet(indent), rest, n);
                    let (lead, _) = inline(lead);
                    if let Some(b) = s.blocks.last_mut() {
                        b.lead = Some(lead);
                    }
                    s.formatting = true;
                }
                None => push(&mut s, Kind::Bullet(indent), body, n),
            }
            joinable = true;
            continue;
        }
        if let Some(caption) = italic_only(t) {
            s.tolerated.push(format!("{file}:{n}: emphasised line '{caption}' read as a caption, not a criterion"));
            joinable = false;
            continue;
        }
        if let Some(label) = bold_only(t) {
            push(&mut s, Kind::Label, label, n);
            s.formatting = true;
            joinable = false;
            continue;
        }
        // A lazy continuation of the item or paragraph above.
        if joinable && let Some(b) = s.blocks.last_mut() {
            let (more, f) = inline(t);
            s.formatting |= f;
            // Appended in place: a long paragraph stays linear.
            if !more.is_empty() {
                if !b.text.is_empty() {
                    b.text.push(' ');
                }
                b.text.push_str(&more);
            }
            continue;
        }
        push(&mut s, Kind::Prose, t, n);
        joinable = true;
    }
    if let Some(first) = tabs.first() {
        s.tolerated.push(format!("{file}:{first}: tabs in indentation read as four spaces ({} lines)", tabs.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_formatting_is_removed_and_text_kept() {
        assert_eq!(inline("**Bold** and _it_ with `code`, [a link](http://x) & ![img](y.png)"), ("Bold and it with code, a link & img".into(), true));
        assert_eq!(inline("snake_case stays &amp; <b>tags</b> go"), ("snake_case stays & tags go".into(), true));
        assert_eq!(inline("plain  text"), ("plain text".into(), false));
    }

    #[test]
    fn bold_sentences_are_text_and_italic_captions_are_skipped() {
        let s = scan("f.md", "__Experience: 3 years in the role__\n\n_Summary_\n\n**Testing**\n*a whole sentence in italics, as a criterion.*\n");
        let kinds: Vec<_> = s.blocks.iter().map(|b| (b.kind.clone(), b.text.as_str(), b.line)).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Prose, "Experience: 3 years in the role", 1),
                (Kind::Label, "Testing", 5),
                (Kind::Prose, "a whole sentence in italics, as a criterion.", 6)
            ]
        );
        assert!(s.tolerated.iter().any(|t| t.starts_with("f.md:3: emphasised line 'Summary'")), "{:?}", s.tolerated);
    }

    #[test]
    fn blocks_carry_their_lines() {
        let s = scan("f.md", "Title\n=====\n\n- **Testing**: writes tests\n  more words\n**L2**\n| Competency | L1 |\n|---|---|\n| A | x |\n");
        let kinds: Vec<_> = s.blocks.iter().map(|b| (b.kind.clone(), b.text.as_str(), b.line)).collect();
        assert_eq!(kinds[0], (Kind::Heading(1), "Title", 1));
        assert_eq!(kinds[1], (Kind::Bullet(0), "writes tests more words", 4));
        assert_eq!(s.blocks[1].lead.as_deref(), Some("Testing"));
        assert_eq!(kinds[2], (Kind::Label, "L2", 6));
        assert_eq!(kinds[3].0, Kind::TableHead(vec!["Competency".into(), "L1".into()]));
        assert_eq!(kinds[4], (Kind::TableRow(vec!["A".into(), "x".into()]), "", 9));
    }
}
