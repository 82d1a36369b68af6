//! Certificate numbers (证照编号) from a service's pattern, e.g. `教民{office}{year}{seq:7}号`.
//!
//! Placeholders: `{office}` the 行政区划代码 (the first six characters of the handling office's
//! code), `{year}` the year of issue, `{seq:N}` a running number of N digits (1 to 12),
//! counted per everything else in the number. A pattern holds `{seq:N}` exactly once, so two
//! certificates can never share a number.

use std::fmt::Write as _;

/// One piece of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Office,
    Year,
    Seq(usize),
}

/// A checked number pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberPattern {
    pieces: Vec<Piece>,
}

impl NumberPattern {
    /// Parses a pattern.
    ///
    /// # Errors
    /// An unknown or unclosed placeholder, a `{seq:N}` with N outside 1–12, or a pattern
    /// without exactly one `{seq:N}`.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            if rest[..open].contains('}') {
                return Err(format!("unmatched `}}` in `{pattern}`"));
            }
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("unclosed `{{` in `{pattern}`"));
            };
            let name = &rest[open + 1..open + close];
            pieces.push(match name {
                "office" => Piece::Office,
                "year" => Piece::Year,
                _ => match name.strip_prefix("seq:").map(str::parse::<usize>) {
                    Some(Ok(n)) if (1..=12).contains(&n) => Piece::Seq(n),
                    Some(_) => return Err(format!("`{{{name}}}`: the running number needs 1 to 12 digits")),
                    None => {
                        return Err(format!("unknown placeholder `{{{name}}}`; use {{office}}, {{year}} or {{seq:N}}"));
                    }
                },
            });
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("unmatched `}}` in `{pattern}`"));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        if pieces.iter().filter(|p| matches!(p, Piece::Seq(_))).count() != 1 {
            return Err(format!("`{pattern}` needs exactly one running number {{seq:N}}"));
        }
        Ok(Self { pieces })
    }

    /// The counter's scope: the number with the running number left as `{seq}`. Numbers of
    /// one scope differ only in their running number.
    #[must_use]
    pub fn scope(&self, office: &str, year: i32) -> String {
        self.render(office, year, None)
    }

    /// The number for running number `seq` (wider numbers are written in full).
    #[must_use]
    pub fn number(&self, office: &str, year: i32, seq: u64) -> String {
        self.render(office, year, Some(seq))
    }

    fn render(&self, office: &str, year: i32, seq: Option<u64>) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Office => out.push_str(office.get(..6).unwrap_or(office)),
                Piece::Year => {
                    let _ = write!(out, "{year:04}");
                }
                Piece::Seq(n) => match seq {
                    Some(s) => {
                        let _ = write!(out, "{s:0n$}", n = *n);
                    }
                    None => out.push_str("{seq}"),
                },
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_and_teacher_numbers() {
        let licence = NumberPattern::parse("教民{office}{year}{seq:7}号").unwrap();
        assert_eq!(licence.number("110105001", 2026, 42), "教民11010520260000042号");
        assert_eq!(licence.scope("110105001", 2026), "教民1101052026{seq}号");
        let teacher = NumberPattern::parse("{year}{office}{seq:7}").unwrap();
        let n = teacher.number("310104", 2026, 1);
        assert_eq!(n, "20263101040000001");
        assert_eq!(n.len(), 17);
    }

    #[test]
    fn bad_patterns_are_named() {
        assert!(NumberPattern::parse("{office}{year}").unwrap_err().contains("exactly one"));
        assert!(NumberPattern::parse("{seq:3}{seq:3}").unwrap_err().contains("exactly one"));
        assert!(NumberPattern::parse("{seq:0}").unwrap_err().contains("1 to 12"));
        assert!(NumberPattern::parse("{seq:x}").unwrap_err().contains("1 to 12"));
        assert!(NumberPattern::parse("{month}{seq:3}").unwrap_err().contains("unknown placeholder"));
        assert!(NumberPattern::parse("{seq:3").unwrap_err().contains("unclosed"));
        assert!(NumberPattern::parse("a}{seq:3}").is_err());
    }
}
