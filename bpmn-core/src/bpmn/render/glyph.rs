//! The small symbols inside shapes and at the ends of edges: event triggers, task types,
//! gateway types, the activity markers at the bottom centre, arrowheads.
//!
//! Event and gateway glyphs are drawn once in a local frame (an event of radius 18 centred on
//! the origin, a gateway 50 px wide) and placed with `translate(..) scale(..)`, so they keep
//! their proportions on shapes of any size. Each glyph carries a `bpmn-marker-*` class so
//! tests and the console can find it.

use crate::bpmn::model::{EventTrigger, NodeKind, Point};

use super::svg::{circle, path, w, Paint, N};

/// White, used to "punch out" details on filled glyphs and to fill open ones.
const WHITE: &str = "#fff";

/// The trigger symbol inside an event of radius `r` centred on (`cx`, `cy`). `throw` glyphs are
/// filled with the stroke colour, catch glyphs are outlined.
pub(super) fn event_trigger(
    out: &mut String,
    trigger: &EventTrigger,
    cx: f64,
    cy: f64,
    r: f64,
    color: &'static str,
    throw: bool,
) {
    let (name, body) = match trigger_body(trigger, color, throw) {
        Some(x) => x,
        None => return,
    };
    let s = (r / 18.0).max(0.05);
    w!(
        out,
        format_args!(
            r#"<g class="bpmn-marker-{name}" transform="translate({} {}) scale({})">{body}</g>"#,
            N(cx),
            N(cy),
            N(s)
        )
    );
}

/// Class suffix and SVG of a trigger glyph in the local frame, `None` for a plain event.
fn trigger_body(trigger: &EventTrigger, color: &'static str, throw: bool) -> Option<(&'static str, String)> {
    let fill = if throw { color } else { WHITE };
    let ink = Paint { stroke: color, fill, width: 1.5 };
    // Lines drawn over a filled shape: white on a throw glyph, the ink colour on a catch glyph.
    let detail = if throw { WHITE } else { color };
    let mut b = String::new();
    let name = match trigger {
        EventTrigger::None => return None,
        EventTrigger::Message { .. } => {
            path(&mut b, "M-9,-6.5 L9,-6.5 L9,6.5 L-9,6.5 Z", ink, r#" stroke-linejoin="round""#);
            path(&mut b, "M-9,-6.5 L0,0.5 L9,-6.5", Paint { stroke: detail, fill: "none", width: 1.2 }, "");
            "message"
        }
        EventTrigger::Timer(_) => {
            circle(&mut b, 0.0, 0.0, 11.0, Paint { stroke: color, fill: WHITE, width: 1.5 }, "");
            let mut d = String::new();
            for k in 0..12 {
                let a = f64::from(k) * std::f64::consts::PI / 6.0;
                let (sn, cs) = a.sin_cos();
                w!(&mut d, format_args!("M{},{} L{},{} ", N(8.5 * cs), N(8.5 * sn), N(10.5 * cs), N(10.5 * sn)));
            }
            path(&mut b, d.trim_end(), Paint { stroke: color, fill: "none", width: 1.0 }, "");
            path(
                &mut b,
                "M0,0 L0,-7.5 M0,0 L5.5,2",
                Paint { stroke: color, fill: "none", width: 1.5 },
                r#" stroke-linecap="round""#,
            );
            "timer"
        }
        EventTrigger::Error { .. } => {
            path(&mut b, "M-8,9 L-3.5,-7 L2,-1 L8,-9 L3.5,7 L-2,1 Z", ink, r#" stroke-linejoin="round""#);
            "error"
        }
        EventTrigger::Terminate => {
            circle(&mut b, 0.0, 0.0, 11.0, Paint { stroke: color, fill: color, width: 1.0 }, "");
            "terminate"
        }
        EventTrigger::Signal { .. } => {
            path(&mut b, "M0,-11 L10,7 L-10,7 Z", ink, r#" stroke-linejoin="round""#);
            "signal"
        }
        EventTrigger::Escalation { .. } => {
            path(&mut b, "M0,-11 L8,9 L0,1.5 L-8,9 Z", ink, r#" stroke-linejoin="round""#);
            "escalation"
        }
        EventTrigger::Conditional => {
            path(&mut b, "M-7,-9.5 L7,-9.5 L7,9.5 L-7,9.5 Z", Paint { fill: WHITE, ..ink }, "");
            path(
                &mut b,
                "M-4.5,-5.5 L4.5,-5.5 M-4.5,-1.5 L4.5,-1.5 M-4.5,2.5 L4.5,2.5 M-4.5,6.5 L4.5,6.5",
                Paint { stroke: color, fill: "none", width: 1.2 },
                "",
            );
            "conditional"
        }
        EventTrigger::Link { .. } => {
            path(&mut b, "M-9,-3.5 L1,-3.5 L1,-8.5 L10,0 L1,8.5 L1,3.5 L-9,3.5 Z", ink, r#" stroke-linejoin="round""#);
            "link"
        }
        EventTrigger::Compensate => {
            path(&mut b, "M-1,-7 L-10,0 L-1,7 Z M9,-7 L0,0 L9,7 Z", ink, r#" stroke-linejoin="round""#);
            "compensate"
        }
        EventTrigger::Cancel => {
            path(
                &mut b,
                "M-8,-5 L-5,-8 L0,-3 L5,-8 L8,-5 L3,0 L8,5 L5,8 L0,3 L-5,8 L-8,5 L-3,0 Z",
                ink,
                r#" stroke-linejoin="round""#,
            );
            "cancel"
        }
        EventTrigger::Multiple => {
            path(&mut b, &pentagon(0.0, 0.0, 10.0), ink, r#" stroke-linejoin="round""#);
            "multiple"
        }
    };
    Some((name, b))
}

/// Path data of a regular pentagon standing on its base.
fn pentagon(cx: f64, cy: f64, r: f64) -> String {
    let mut d = String::new();
    for k in 0..5 {
        let a = -std::f64::consts::FRAC_PI_2 + f64::from(k) * 2.0 * std::f64::consts::PI / 5.0;
        let (sn, cs) = a.sin_cos();
        w!(&mut d, format_args!("{}{},{} ", if k == 0 { "M" } else { "L" }, N(cx + r * cs), N(cy + r * sn)));
    }
    d.push('Z');
    d
}

/// The task-type symbol in the top-left corner of an activity at (`x`, `y`). Plain tasks and
/// sub-processes have none.
pub(super) fn task_marker(out: &mut String, kind: &NodeKind, x: f64, y: f64, color: &'static str) {
    let ink = Paint { stroke: color, fill: WHITE, width: 1.0 };
    let mut b = String::new();
    let name = match kind {
        NodeKind::UserTask(_) => {
            // Head and shoulders.
            path(&mut b, "M1,17 C1,11.5 4,10 9,10 C14,10 17,11.5 17,17 Z", ink, "");
            circle(&mut b, 9.0, 5.5, 4.0, ink, "");
            path(&mut b, "M5,17 L5,14 M13,17 L13,14", ink, "");
            "user"
        }
        NodeKind::ServiceTask(_) => {
            path(&mut b, &gear(6.5, 6.5, 6.0, 4.4, 8), ink, r#" stroke-linejoin="round""#);
            circle(&mut b, 6.5, 6.5, 1.8, ink, "");
            path(&mut b, &gear(11.5, 11.5, 6.0, 4.4, 8), ink, r#" stroke-linejoin="round""#);
            circle(&mut b, 11.5, 11.5, 1.8, ink, "");
            "service"
        }
        NodeKind::ManualTask => {
            // A flat hand pointing right: palm on the left, four fingers.
            path(
                &mut b,
                "M1.5,8 L5,5 L15,5 Q16.5,6 15,7 L9.5,7 L16.5,7 Q18,8.5 16.5,10 L9.5,10 L16,10 Q17.5,11.5 16,13 L9.5,13 L14,13 Q15.5,14.5 14,16 L5,16 L1.5,13.5 Z",
                ink,
                r#" stroke-linejoin="round""#,
            );
            "manual"
        }
        NodeKind::ScriptTask(_) => {
            // A scroll with lines of text.
            path(&mut b, "M4,1 L16,1 Q12.5,5 14.5,9 Q16.5,13 13,17 L1,17 Q4.5,13 2.5,9 Q0.5,5 4,1 Z", ink, "");
            path(&mut b, "M5,5 L12.5,5 M5.5,9 L13,9 M5,13 L12.5,13", ink, "");
            "script"
        }
        NodeKind::SendTask(_) => {
            path(&mut b, "M1,3 L19,3 L19,15 L1,15 Z", Paint { fill: color, ..ink }, "");
            path(&mut b, "M1,3 L10,10 L19,3", Paint { stroke: WHITE, fill: "none", width: 1.2 }, "");
            "send"
        }
        NodeKind::ReceiveTask { .. } => {
            path(&mut b, "M1,3 L19,3 L19,15 L1,15 Z", ink, "");
            path(&mut b, "M1,3 L10,10 L19,3", Paint { fill: "none", ..ink }, "");
            "receive"
        }
        NodeKind::BusinessRuleTask => {
            path(&mut b, "M1,2 L19,2 L19,16 L1,16 Z", ink, "");
            path(&mut b, "M1,2 L19,2 L19,6 L1,6 Z", Paint { fill: "#999", ..ink }, "");
            path(&mut b, "M1,11 L19,11 M6,6 L6,16", ink, "");
            "businessRule"
        }
        _ => return,
    };
    w!(out, format_args!(r#"<g class="bpmn-marker-{name}" transform="translate({} {})">{b}</g>"#, N(x), N(y)));
}

/// Path data of a gear with `teeth` teeth between radii `r_in` and `r_out`.
fn gear(cx: f64, cy: f64, r_out: f64, r_in: f64, teeth: u32) -> String {
    let step = 2.0 * std::f64::consts::PI / f64::from(teeth);
    let mut d = String::new();
    for i in 0..teeth {
        let base = f64::from(i) * step;
        for (k, (da, r)) in [(-0.35, r_in), (-0.18, r_out), (0.18, r_out), (0.35, r_in)].into_iter().enumerate() {
            let (sn, cs) = (base + da * step).sin_cos();
            let cmd = if i == 0 && k == 0 { "M" } else { "L" };
            w!(&mut d, format_args!("{cmd}{},{} ", N(cx + r * cs), N(cy + r * sn)));
        }
    }
    d.push('Z');
    d
}

/// A marker drawn at the bottom centre of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BottomMarker {
    /// `[+]` of a collapsed sub-process.
    Collapsed,
    /// `~` of an ad-hoc sub-process.
    AdHoc,
    /// Three vertical bars: parallel multi-instance.
    ParallelMi,
    /// Three horizontal bars: sequential multi-instance.
    SequentialMi,
}

/// Size of one bottom marker and the gap between two.
const MARKER: f64 = 14.0;
const MARKER_GAP: f64 = 4.0;

/// Draws `markers` side by side, centred on `cx`, their bottom edge at `bottom`.
pub(super) fn bottom_markers(out: &mut String, markers: &[BottomMarker], cx: f64, bottom: f64, color: &'static str) {
    if markers.is_empty() {
        return;
    }
    let n = markers.len() as f64;
    let total = n * MARKER + (n - 1.0) * MARKER_GAP;
    let mut x = cx - total / 2.0;
    let y = bottom - MARKER;
    let ink = Paint { stroke: color, fill: WHITE, width: 1.5 };
    for m in markers {
        let mut b = String::new();
        let name = match m {
            BottomMarker::Collapsed => {
                path(&mut b, "M0,0 L14,0 L14,14 L0,14 Z", ink.with_width(1.0), "");
                path(&mut b, "M7,3 L7,11 M3,7 L11,7", ink, "");
                "collapsed"
            }
            BottomMarker::AdHoc => {
                path(&mut b, "M1,8.5 C3,4 5.5,4 7,7 C8.5,10 11,10 13,5.5", Paint { fill: "none", ..ink }, "");
                "adhoc"
            }
            BottomMarker::ParallelMi => {
                path(&mut b, "M3,1 L3,13 M7,1 L7,13 M11,1 L11,13", ink.with_width(2.0), "");
                "parallel-mi"
            }
            BottomMarker::SequentialMi => {
                path(&mut b, "M1,3 L13,3 M1,7 L13,7 M1,11 L13,11", ink.with_width(2.0), "");
                "sequential-mi"
            }
        };
        w!(out, format_args!(r#"<g class="bpmn-marker-{name}" transform="translate({} {})">{b}</g>"#, N(x), N(y)));
        x += MARKER + MARKER_GAP;
    }
}

/// The symbol inside a gateway diamond of size `size` (the smaller side) centred on (`cx`, `cy`).
/// The exclusive gateway's X is left out when `show_exclusive_marker` is false.
pub(super) fn gateway_marker(
    out: &mut String,
    kind: &NodeKind,
    cx: f64,
    cy: f64,
    size: f64,
    color: &'static str,
    show_exclusive_marker: bool,
) {
    let ink = Paint { stroke: color, fill: "none", width: 4.5 };
    let mut b = String::new();
    let name = match kind {
        NodeKind::ExclusiveGateway if show_exclusive_marker => {
            path(&mut b, "M-7.5,-7.5 L7.5,7.5 M7.5,-7.5 L-7.5,7.5", ink, "");
            "exclusive"
        }
        NodeKind::ParallelGateway => {
            path(&mut b, "M0,-11 L0,11 M-11,0 L11,0", ink, "");
            "parallel"
        }
        NodeKind::InclusiveGateway => {
            circle(&mut b, 0.0, 0.0, 10.5, ink.with_width(3.0), "");
            "inclusive"
        }
        NodeKind::EventBasedGateway => {
            circle(&mut b, 0.0, 0.0, 12.0, ink.with_width(1.0), "");
            circle(&mut b, 0.0, 0.0, 9.5, ink.with_width(1.0), "");
            path(&mut b, &pentagon(0.0, 0.5, 6.0), ink.with_width(1.2), r#" stroke-linejoin="round""#);
            "eventBased"
        }
        NodeKind::ComplexGateway => {
            path(&mut b, "M0,-11 L0,11 M-11,0 L11,0 M-7.8,-7.8 L7.8,7.8 M7.8,-7.8 L-7.8,7.8", ink.with_width(3.5), "");
            "complex"
        }
        _ => return,
    };
    let s = (size / 50.0).max(0.05);
    w!(
        out,
        format_args!(
            r#"<g class="bpmn-marker-{name}" transform="translate({} {}) scale({})">{b}</g>"#,
            N(cx),
            N(cy),
            N(s)
        )
    );
}

/// How an edge ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EdgeEnd {
    /// Filled triangle (sequence flow).
    Filled,
    /// White triangle with an outline (message flow).
    Open,
    /// Two lines, a "V" (association, data association).
    Line,
}

/// Length of an arrowhead along the edge.
pub(super) const ARROW_LEN: f64 = 11.0;

/// Unit vector from `a` to `b`, `None` when they coincide.
pub(super) fn direction(a: Point, b: Point) -> Option<(f64, f64)> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt();
    (len > 1e-9 && len.is_finite()).then(|| (dx / len, dy / len))
}

/// An arrowhead with its tip on `tip`, pointing along the unit vector `dir`.
pub(super) fn arrowhead(out: &mut String, tip: Point, dir: (f64, f64), end: EdgeEnd, color: &'static str, width: f64) {
    let (dx, dy) = dir;
    let (nx, ny) = (-dy, dx);
    let half = if end == EdgeEnd::Line { 5.0 } else { 4.0 };
    let bx = tip.x - dx * ARROW_LEN;
    let by = tip.y - dy * ARROW_LEN;
    let (l, r) = ((bx + nx * half, by + ny * half), (bx - nx * half, by - ny * half));
    let d = match end {
        EdgeEnd::Line => format!("M{},{} L{},{} L{},{}", N(l.0), N(l.1), N(tip.x), N(tip.y), N(r.0), N(r.1)),
        _ => format!("M{},{} L{},{} L{},{} Z", N(tip.x), N(tip.y), N(l.0), N(l.1), N(r.0), N(r.1)),
    };
    let fill = match end {
        EdgeEnd::Filled => color,
        EdgeEnd::Open => WHITE,
        EdgeEnd::Line => "none",
    };
    path(
        out,
        &d,
        Paint { stroke: color, fill, width: width.min(2.0) },
        r#" stroke-linejoin="round" class="bpmn-arrow""#,
    );
}

/// The slash across the start of a default flow, starting at `start` along `dir`.
pub(super) fn default_slash(out: &mut String, start: Point, dir: (f64, f64), color: &'static str, width: f64) {
    let (dx, dy) = dir;
    let (nx, ny) = (-dy, dx);
    let c = (start.x + dx * 10.0, start.y + dy * 10.0);
    // At 45° to the flow: a backslash on a flow going right, as bpmn.io and Camunda draw it.
    let (vx, vy) = ((nx + dx) * std::f64::consts::FRAC_1_SQRT_2, (ny + dy) * std::f64::consts::FRAC_1_SQRT_2);
    let d = format!("M{},{} L{},{}", N(c.0 - vx * 6.0), N(c.1 - vy * 6.0), N(c.0 + vx * 6.0), N(c.1 + vy * 6.0));
    path(out, &d, Paint { stroke: color, fill: "none", width }, r#" class="bpmn-marker-default""#);
}

/// The small white diamond at the start of a conditional flow leaving an activity.
pub(super) fn conditional_diamond(out: &mut String, start: Point, dir: (f64, f64), color: &'static str, width: f64) {
    let (dx, dy) = dir;
    let (nx, ny) = (-dy, dx);
    let p = |a: f64, b: f64| (start.x + dx * a + nx * b, start.y + dy * a + ny * b);
    let (p1, p2, p3) = (p(8.0, 4.5), p(16.0, 0.0), p(8.0, -4.5));
    let d = format!(
        "M{},{} L{},{} L{},{} L{},{} Z",
        N(start.x),
        N(start.y),
        N(p1.0),
        N(p1.1),
        N(p2.0),
        N(p2.1),
        N(p3.0),
        N(p3.1)
    );
    path(
        out,
        &d,
        Paint { stroke: color, fill: WHITE, width: width.min(1.5) },
        r#" class="bpmn-marker-conditional-flow""#,
    );
}
