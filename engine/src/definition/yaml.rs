//! YAML to JSON with positions: parses a definition file into a `serde_json::Value` and a
//! map from every path (`steps[3].next`, in `serde_path_to_error`'s notation) to the line
//! and column where it was written, so every error can name file, line and field.

use std::collections::HashMap;

use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Line and column (1-based) of a node in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// A parsed document: its value and where each path was written.
#[derive(Debug, Default)]
pub struct Located {
    /// The document as JSON.
    pub value: serde_json::Value,
    /// Position of each path; the root is `.`.
    pub positions: HashMap<String, Position>,
}

impl Located {
    /// Position of `path`, or of its nearest written ancestor.
    #[must_use]
    pub fn position(&self, path: &str) -> Position {
        let mut path = path;
        loop {
            if let Some(p) = self.positions.get(path) {
                return *p;
            }
            match path.rfind(['.', '[']) {
                Some(i) if i > 0 => path = &path[..i],
                _ => return self.positions.get(".").copied().unwrap_or_default(),
            }
        }
    }
}

/// A YAML syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where.
    pub position: Position,
    /// What.
    pub message: String,
}

enum Frame {
    Map { path: String, map: serde_json::Map<String, serde_json::Value>, key: Option<String> },
    Seq { path: String, items: Vec<serde_json::Value> },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<serde_json::Value>,
    positions: HashMap<String, Position>,
    error: Option<String>,
}

impl Builder {
    /// Path of the node about to be added, or `None` when it is a mapping key.
    fn next_path(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(".".to_owned()),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Map { path, key: Some(k), .. }) => {
                Some(if path == "." { k.clone() } else { format!("{path}.{k}") })
            }
            Some(Frame::Seq { path, items }) => {
                let prefix = if path == "." { "" } else { path.as_str() };
                Some(format!("{prefix}[{}]", items.len()))
            }
        }
    }

    fn push_value(&mut self, value: serde_json::Value) {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Map { map, key, .. }) => {
                if let Some(k) = key.take() {
                    map.insert(k, value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
        }
    }

    fn scalar(&mut self, text: String, style: TScalarStyle) -> serde_json::Value {
        if style != TScalarStyle::Plain {
            return serde_json::Value::String(text);
        }
        match Yaml::from_str(&text) {
            Yaml::Integer(i) => i.into(),
            Yaml::Real(r) => r
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(serde_json::Value::String(r), serde_json::Value::Number),
            Yaml::Boolean(b) => b.into(),
            Yaml::Null => serde_json::Value::Null,
            _ => serde_json::Value::String(text),
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let position = Position { line: mark.line(), column: mark.col() + 1 };
        let path = self.next_path();
        match event {
            Event::Scalar(text, style, _, _) => {
                if path.is_none() {
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some(text);
                    }
                    return;
                }
                if let Some(p) = path {
                    self.positions.insert(p, position);
                }
                let value = self.scalar(text, style);
                self.push_value(value);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let Some(path) = path else {
                    self.error
                        .get_or_insert_with(|| format!("line {}: a mapping key must be a plain value", position.line));
                    return;
                };
                self.positions.insert(path.clone(), position);
                self.stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map { path, map: serde_json::Map::new(), key: None }
                } else {
                    Frame::Seq { path, items: Vec::new() }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let value = match self.stack.pop() {
                    Some(Frame::Map { map, .. }) => serde_json::Value::Object(map),
                    Some(Frame::Seq { items, .. }) => serde_json::Value::Array(items),
                    None => return,
                };
                self.push_value(value);
            }
            Event::Alias(_) => {
                self.error
                    .get_or_insert_with(|| format!("line {}: anchors and aliases are not supported", position.line));
            }
            _ => {}
        }
    }
}

/// Parses one YAML document.
///
/// # Errors
/// A [`SyntaxError`] with its position for malformed YAML, aliases, or complex keys.
pub fn parse(source: &str) -> Result<Located, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(source);
    parser.load(&mut builder, false).map_err(|e| SyntaxError {
        position: Position { line: e.marker().line(), column: e.marker().col() + 1 },
        message: e.info().to_owned(),
    })?;
    if let Some(message) = builder.error {
        return Err(SyntaxError { position: Position::default(), message });
    }
    Ok(Located { value: builder.root.unwrap_or(serde_json::Value::Null), positions: builder.positions })
}
