//! A service's process drawn as SVG on the server (layout-rs lays the graph out), from the
//! steps the service guide gives. The page puts the same steps beside it as a list, so the
//! picture is never the only way to read the process.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::{Point, get_size_for_str};
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

/// One step as the diagram needs it.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// The step's id.
    pub id: &'a str,
    /// 环节名称.
    pub name: &'a str,
    /// The steps it leads to.
    pub next: &'a [String],
}

/// How a step is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Not reached (or a guide: nothing marked).
    Plain,
    /// An open step of the case.
    Current,
    /// Done.
    Done,
    /// Filled with this colour (RGBA), e.g. a heat strip of time against limit.
    Fill(u32),
}

const FONT: usize = 15;

/// The SVG of `steps` (top to bottom), each marked by `mark`; `title` names the picture for
/// assistive technology.
#[must_use]
pub fn process_svg(steps: &[Node<'_>], mark: impl Fn(&str) -> Mark, title: &str) -> String {
    if steps.is_empty() {
        return String::new();
    }
    let mut graph = VisualGraph::new(Orientation::TopToBottom);
    let handles: Vec<_> = steps
        .iter()
        .map(|s| {
            let (fill, width) = match mark(s.id) {
                Mark::Plain => (0xffff_ffff, 1),
                Mark::Current => (0xffd6_6bff, 3),
                Mark::Done => (0xd3ec_d9ff, 1),
                Mark::Fill(colour) => (colour, 1),
            };
            let look = StyleAttr::new(Color::new(0x1a1a_1aff), width, Some(Color::new(fill)), 6, FONT);
            let text = get_size_for_str(s.name, FONT);
            let size = Point::new(text.x + 32.0, text.y + 22.0);
            graph.add_node(Element::create(ShapeKind::new_box(s.name), look, Orientation::TopToBottom, size))
        })
        .collect();
    for (i, s) in steps.iter().enumerate() {
        for n in s.next {
            if let Some(j) = steps.iter().position(|t| t.id == n) {
                graph.add_edge(Arrow::simple(""), handles[i], handles[j]);
            }
        }
    }
    let mut svg = SVGWriter::new();
    graph.do_it(false, false, false, &mut svg);
    let drawn = svg.finalize();
    // Inline in HTML: no XML prolog; scale to the page; named for screen readers.
    let body = drawn.find("<svg").map_or(drawn.as_str(), |i| &drawn[i..]);
    body.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMidYMin meet\" ", escape(title)),
        1,
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_is_drawn_with_its_name_and_the_current_one_stands_out() {
        let next_a = vec!["b".to_owned()];
        let steps = [Node { id: "a", name: "受理", next: &next_a }, Node { id: "b", name: "审查与决定", next: &[] }];
        let svg = process_svg(&steps, |id| if id == "b" { Mark::Current } else { Mark::Done }, "办理流程");
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"办理流程\""), "{}", &svg[..80]);
        assert!(svg.contains("受理") && svg.contains("审查与决定"));
        assert!(svg.contains("#ffd66b"), "the current step is filled");
        assert!(!svg.contains("<?xml"));
    }
}
