//! QR codes as inline SVG: the receipt's link to the case's status, an e-licence's link to
//! its check.

/// The SVG of a QR code for `text`, named `label` for screen readers; empty if `text` is
/// too long for a QR code (the link beside it still works).
#[must_use]
pub fn svg(text: &str, label: &str) -> String {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) else {
        return String::new();
    };
    let drawn = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(192, 192)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    let body = drawn.find("<svg").map_or(drawn.as_str(), |i| &drawn[i..]);
    let label = label.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
    body.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{label}\" "), 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_link_becomes_an_inline_named_svg() {
        let svg = super::svg("http://127.0.0.1:8080/status?no=abc&code=123456", "扫码查询");
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"扫码查询\""));
        assert!(svg.contains("<path") || svg.contains("<rect"));
    }
}
