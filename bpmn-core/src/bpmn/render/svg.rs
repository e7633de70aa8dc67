//! Low-level SVG writing: number formatting, XML escaping, the bounding box of what was drawn
//! and the few primitives (rect, circle, path, polyline, text block) every element is made of.
//!
//! Everything writes into a `String`; `write!` into a `String` cannot fail, so its result is
//! deliberately ignored through the `w!` macro.

use std::fmt::{self, Display};

use crate::bpmn::model::{Bounds, Point};

use super::text::{Font, FONT_SIZE};

/// `write!` into a `String`, which never fails.
macro_rules! w {
    ($($arg:tt)*) => {{
        let _ = ::std::fmt::Write::write_fmt($($arg)*);
    }};
}
pub(super) use w;

/// A coordinate written with at most two decimals and no trailing zeros, so the SVG stays small
/// and stable across runs. Non-finite values (never written on purpose) come out as `0`.
#[derive(Clone, Copy)]
pub(super) struct N(pub f64);

impl Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if !v.is_finite() {
            return f.write_str("0");
        }
        let r = (v * 100.0).round() / 100.0;
        if r == r.trunc() && r.abs() < 1e15 {
            // `as i64` also turns -0.0 into 0.
            write!(f, "{}", r as i64)
        } else {
            let s = format!("{r:.2}");
            f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
        }
    }
}

/// Appends `s` escaped for use in XML text or a double- or single-quoted attribute.
/// Characters XML 1.0 forbids (most C0 controls) are dropped: a hand-built model could contain
/// them and the output must stay well-formed.
pub(super) fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// `s` escaped for XML (see [`push_escaped`]).
#[cfg(test)]
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

/// True when every coordinate of the bounds is a finite number.
pub(super) fn finite_bounds(b: &Bounds) -> bool {
    // The far corner too: two huge finite numbers can add up to infinity.
    (b.x + b.width).is_finite() && (b.y + b.height).is_finite() && b.width.is_finite() && b.height.is_finite()
}

/// The bounds with a negative width or height flipped, so later arithmetic can assume
/// `width, height >= 0`.
pub(super) fn normalized(b: Bounds) -> Bounds {
    let mut b = b;
    if b.width < 0.0 {
        b.x += b.width;
        b.width = -b.width;
    }
    if b.height < 0.0 {
        b.y += b.height;
        b.height = -b.height;
    }
    b
}

/// The axis-aligned box around everything drawn so far; becomes the `viewBox`.
#[derive(Debug, Clone, Copy)]
pub(super) struct BBox {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl BBox {
    pub const EMPTY: BBox =
        BBox { min_x: f64::INFINITY, min_y: f64::INFINITY, max_x: f64::NEG_INFINITY, max_y: f64::NEG_INFINITY };

    pub fn is_empty(&self) -> bool {
        self.min_x > self.max_x || self.min_y > self.max_y
    }

    pub fn add_point(&mut self, x: f64, y: f64) {
        if x.is_finite() && y.is_finite() {
            self.min_x = self.min_x.min(x);
            self.min_y = self.min_y.min(y);
            self.max_x = self.max_x.max(x);
            self.max_y = self.max_y.max(y);
        }
    }

    pub fn add_bounds(&mut self, b: &Bounds) {
        if finite_bounds(b) {
            self.add_point(b.x, b.y);
            self.add_point(b.x + b.width, b.y + b.height);
        }
    }
}

/// How an element's outline is painted: stroke colour, fill and stroke width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Paint {
    pub stroke: &'static str,
    pub fill: &'static str,
    pub width: f64,
}

impl Paint {
    /// The same colours with another stroke width.
    pub fn with_width(self, width: f64) -> Paint {
        Paint { width, ..self }
    }
}

/// `<rect>` with rounded corners `rx` and optional extra attributes (e.g. a dash array).
#[allow(clippy::too_many_arguments)]
pub(super) fn rect(out: &mut String, x: f64, y: f64, w: f64, h: f64, rx: f64, p: Paint, extra: &str) {
    let rx = rx.min(w / 2.0).min(h / 2.0).max(0.0);
    w!(
        out,
        format_args!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" stroke="{}" fill="{}" stroke-width="{}"{extra}/>"#,
            N(x),
            N(y),
            N(w.max(0.0)),
            N(h.max(0.0)),
            N(rx),
            p.stroke,
            p.fill,
            N(p.width)
        )
    );
}

/// `<circle>`.
pub(super) fn circle(out: &mut String, cx: f64, cy: f64, r: f64, p: Paint, extra: &str) {
    w!(
        out,
        format_args!(
            r#"<circle cx="{}" cy="{}" r="{}" stroke="{}" fill="{}" stroke-width="{}"{extra}/>"#,
            N(cx),
            N(cy),
            N(r.max(0.0)),
            p.stroke,
            p.fill,
            N(p.width)
        )
    );
}

/// `<path>` with path data `d` (already made of formatted numbers).
pub(super) fn path(out: &mut String, d: &str, p: Paint, extra: &str) {
    w!(
        out,
        format_args!(r#"<path d="{d}" stroke="{}" fill="{}" stroke-width="{}"{extra}/>"#, p.stroke, p.fill, N(p.width))
    );
}

/// `<polyline>` through `pts`, never filled.
pub(super) fn polyline(out: &mut String, pts: &[Point], stroke: &str, width: f64, extra: &str) {
    out.push_str(r#"<polyline points=""#);
    for (i, pt) in pts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        w!(out, format_args!("{},{}", N(pt.x), N(pt.y)));
    }
    w!(
        out,
        format_args!(r#"" fill="none" stroke="{stroke}" stroke-width="{}" stroke-linejoin="round"{extra}/>"#, N(width))
    );
}

/// Horizontal alignment of a text block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Anchor {
    Start,
    Middle,
}

/// A block of already wrapped `lines` in `font` whose first line box starts at `top`; `x` is the left
/// edge (`Anchor::Start`) or the centre (`Anchor::Middle`). `rotate` turns the block by -90°
/// around the given point (pool and lane names).
pub(super) fn text_block(
    out: &mut String,
    lines: &[String],
    x: f64,
    top: f64,
    anchor: Anchor,
    rotate: Option<(f64, f64)>,
    font: Font,
) {
    if lines.is_empty() {
        return;
    }
    // The baseline sits a little below the middle of the line box; computed here rather than
    // with `dominant-baseline`, which several SVG renderers ignore.
    let lh = font.line_height();
    let baseline = top + lh / 2.0 + font.size * 0.35;
    let anchor = match anchor {
        Anchor::Start => "start",
        Anchor::Middle => "middle",
    };
    w!(out, format_args!(r#"<text x="{}" y="{}" text-anchor="{anchor}""#, N(x), N(baseline)));
    if font.size != FONT_SIZE {
        w!(out, format_args!(r#" font-size="{}""#, N(font.size)));
    }
    if let Some((cx, cy)) = rotate {
        w!(out, format_args!(r#" transform="rotate(-90 {} {})""#, N(cx), N(cy)));
    }
    out.push_str(r##" fill="#000" stroke="none">"##);
    for (i, line) in lines.iter().enumerate() {
        let dy = if i == 0 { 0.0 } else { lh };
        w!(out, format_args!(r#"<tspan x="{}" dy="{}">"#, N(x), N(dy)));
        push_escaped(out, line);
        out.push_str("</tspan>");
    }
    out.push_str("</text>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(N(1.0).to_string(), "1");
        assert_eq!(N(-0.0).to_string(), "0");
        assert_eq!(N(1.5).to_string(), "1.5");
        assert_eq!(N(1.256).to_string(), "1.26");
        assert_eq!(N(-12.1).to_string(), "-12.1");
        assert_eq!(N(f64::NAN).to_string(), "0");
    }

    #[test]
    fn escaping_covers_markup_and_controls() {
        assert_eq!(escape(r#"a<b&"c'>"#), "a&lt;b&amp;&quot;c&apos;&gt;");
        assert_eq!(escape("x\u{0}y\u{1b}z"), "xyz");
        assert_eq!(escape("审批 ✓"), "审批 ✓");
    }
}
