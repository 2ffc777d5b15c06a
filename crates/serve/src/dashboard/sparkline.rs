//! Sparklines: a gauge over time in a few dozen pixels, for tables of
//! many entities. Each pixel column shows the lowest and the highest
//! value of its bins, so that a short drop stays visible however long the
//! time shown; flat stretches cost one segment.

/// Width of a sparkline, in pixels (one column per pixel).
const WIDTH: usize = 120;
/// Its height.
const HEIGHT: f64 = 28.0;
/// Room above and below the line for its stroke.
const PAD: f64 = 2.0;

/// A sparkline of `bins` (a gauge bin by bin, oldest first), scaled from
/// 0 to the highest value, as an inline `<svg>`; `class` is added to its
/// own (`drop`, to colour a drop).
pub fn sparkline(bins: &[u64], class: &str, label: &str) -> String {
    let top = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    let y = |v: u64| PAD + (HEIGHT - 2.0 * PAD) * (1.0 - v as f64 / top);
    let columns = WIDTH.min(bins.len());
    let mut vertices: Vec<(usize, f64)> = Vec::new();
    for c in 0..columns {
        let part = bins
            .get(c * bins.len() / columns..(c + 1) * bins.len() / columns)
            .unwrap_or_default();
        let (lo, hi) = part
            .iter()
            .fold((u64::MAX, 0), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let (y_lo, y_hi) = (y(lo), y(hi));
        // A column that continues a flat stretch only moves its end.
        if let [.., (_, a), (x, b)] = vertices.as_mut_slice() {
            if *a == y_hi && *b == y_lo && y_lo == y_hi {
                *x = c;
                continue;
            }
        }
        vertices.push((c, y_hi));
        if y_lo != y_hi {
            vertices.push((c, y_lo));
        }
    }
    // A single column is stretched over the whole width.
    if let Some(&(x, v)) = vertices.last() {
        if x + 1 < WIDTH {
            vertices.push((WIDTH - 1, v));
        }
    }
    let d: Vec<String> = vertices
        .iter()
        .enumerate()
        .map(|(i, &(x, v))| format!("{}{x},{v:.1}", if i == 0 { 'M' } else { 'L' }))
        .collect();
    format!(
        "<svg class=\"sparkline {class}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{label}\">\
         <line x1=\"0\" y1=\"{base:.1}\" x2=\"{WIDTH}\" y2=\"{base:.1}\" class=\"zero\"/>\
         <path d=\"{}\"/></svg>",
        d.join(" "),
        label = report::escape_html(label),
        base = y(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(svg: &str) -> &str {
        let start = svg.find(" d=\"").unwrap() + 4;
        &svg[start..start + svg[start..].find('"').unwrap()]
    }

    #[test]
    fn a_flat_line_is_one_segment_and_a_short_drop_stays_visible() {
        let flat = vec![4; 2016];
        assert_eq!(path(&sparkline(&flat, "", "x")), "M0,2.0 L119,2.0");
        let mut dip = flat.clone();
        dip[1000] = 0;
        let svg = sparkline(&dip, "drop", "x");
        let d = path(&svg);
        assert!(d.contains(&format!(",{:.1}", HEIGHT - PAD)), "{d}");
        assert!(d.split(' ').count() <= 6, "{d}");
    }

    #[test]
    fn nothing_or_one_bin_still_draws() {
        assert!(sparkline(&[], "", "x").contains("<svg"));
        assert_eq!(path(&sparkline(&[3], "", "x")), "M0,2.0 L119,2.0");
    }
}
