//! SVG plots drawn by hand: line charts over time and grouped bars per tier. Plain SVG text
//! with a generic font family, so nothing depends on system fonts or a plotting stack.

use std::fmt::Write;

/// Width and height of every plot, px.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 320.0;
/// Plot area margins: left, right, top, bottom.
const MARGIN: (f64, f64, f64, f64) = (70.0, 20.0, 40.0, 50.0);
/// Series colours, in order.
const COLOURS: [&str; 4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend.
    pub name: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
}

/// A line chart of `series` over a shared x axis.
pub fn line_chart(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> String {
    let x_max = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).fold(0.0, f64::max);
    let y_max = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    // Time runs to the last sample; counts get a round upper bound.
    let (x_max, y_max) = (x_max.max(1e-9), nice(y_max));
    let mut svg = frame(title, x_label, y_label, x_max, y_max, false);
    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", to_x(x, x_max), to_y(y, y_max)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{}"/>"#,
            points.join(" ")
        );
        legend(&mut svg, i, colour, &s.name);
    }
    svg.push_str("</svg>\n");
    svg
}

/// Grouped bars on a log scale (values ≥ 1; tiers differ by orders of magnitude): one group
/// per category, one bar per series value (same order as `names`).
pub fn bar_chart(
    title: &str,
    y_label: &str,
    names: &[&str],
    groups: &[(String, Vec<f64>)],
) -> String {
    let max = groups.iter().flat_map(|g| g.1.iter().copied()).fold(1.0, f64::max);
    // Decades shown: 10^0 … 10^decades.
    let decades = max.log10().ceil().max(1.0);
    let mut svg = frame(title, "", y_label, 0.0, decades, true);
    let plot_width = WIDTH - MARGIN.0 - MARGIN.1;
    let group_width = plot_width / groups.len().max(1) as f64;
    let bar_width = group_width * 0.8 / names.len().max(1) as f64;
    for (g, (category, values)) in groups.iter().enumerate() {
        let left = MARGIN.0 + g as f64 * group_width + group_width * 0.1;
        for (i, value) in values.iter().enumerate() {
            let x = left + i as f64 * bar_width;
            let y = to_y(value.max(1.0).log10(), decades);
            let _ = writeln!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {}: {value}</title></rect>"#,
                bar_width * 0.9,
                (HEIGHT - MARGIN.3 - y).max(0.0),
                COLOURS[i % COLOURS.len()],
                escape(category),
                names.get(i).copied().unwrap_or("")
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            left + group_width * 0.4,
            HEIGHT - MARGIN.3 + 18.0,
            escape(category)
        );
    }
    for (i, name) in names.iter().enumerate() {
        legend(&mut svg, i, COLOURS[i % COLOURS.len()], name);
    }
    svg.push_str("</svg>\n");
    svg
}

/// The SVG header, title, axes, grid and tick labels; `x_max` 0 draws no x ticks; with `log`,
/// `y_max` is a number of decades and the y ticks are powers of ten.
fn frame(title: &str, x_label: &str, y_label: &str, x_max: f64, y_max: f64, log: bool) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    let (left, bottom, right, top) = (MARGIN.0, HEIGHT - MARGIN.3, WIDTH - MARGIN.1, MARGIN.2);
    let y_ticks = if log { y_max as usize } else { 4 };
    for i in 0..=y_ticks {
        let value = y_max * i as f64 / y_ticks as f64;
        let y = to_y(value, y_max);
        let label = if log { short(10f64.powf(value)) } else { short(value) };
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            left - 6.0,
            y + 4.0,
            label
        );
    }
    for i in 0..=4 {
        if x_max > 0.0 {
            let x_value = x_max * i as f64 / 4.0;
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                to_x(x_value, x_max),
                bottom + 16.0,
                short(x_value)
            );
        }
    }
    let _ = writeln!(
        svg,
        r#"<polyline fill="none" stroke="black" points="{left},{top} {left},{bottom} {right},{bottom}"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        (left + right) / 2.0,
        HEIGHT - 10.0,
        escape(x_label)
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        (top + bottom) / 2.0,
        escape(y_label)
    );
    svg
}

fn legend(svg: &mut String, index: usize, colour: &str, name: &str) {
    let x = MARGIN.0 + 10.0 + index as f64 * 170.0;
    let _ = writeln!(
        svg,
        r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
        MARGIN.2 - 4.0,
        x + 16.0,
        MARGIN.2 + 6.0,
        escape(name)
    );
}

fn to_x(x: f64, x_max: f64) -> f64 {
    MARGIN.0 + x / x_max.max(f64::MIN_POSITIVE) * (WIDTH - MARGIN.0 - MARGIN.1)
}

fn to_y(y: f64, y_max: f64) -> f64 {
    let bottom = HEIGHT - MARGIN.3;
    bottom - y / y_max.max(f64::MIN_POSITIVE) * (bottom - MARGIN.2 - 14.0)
}

/// A round upper bound: 1, 2 or 5 × a power of ten.
fn nice(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|v| *v >= max).unwrap_or(10.0 * power)
}

/// 1234567 → "1.2M", 45000 → "45k".
fn short(value: f64) -> String {
    if value >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if value >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else if value >= 10.0 || value == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests;
