//! `--plot DIR`: one SVG per stream, four panels over the stream's time: jitter (ms), loss
//! (% per bucket), MOS (listening quality, E-model, per bucket) and inter-arrival delay
//! (mean and largest per bucket, ms). The title names the stream: addresses, SSRC, codec.
//!
//! The SVG backend of `plotters` writes text as `<text>` elements for the viewer to
//! render, so no font files are needed to build or run.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::analyze::{Analyzer, Stream};
use crate::series::Bucket;
use crate::stream::mos;

/// Why a plot could not be written.
#[derive(Debug, thiserror::Error)]
#[error("plotting {path}: {message}")]
pub struct PlotError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Writes one SVG per stream of `a` that has a series into `dir` (created if missing).
/// Returns the files written.
pub fn plot_all(a: &Analyzer, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|e| PlotError {
        path: dir.to_owned(),
        message: e.to_string(),
    })?;
    let mut streams: Vec<&Stream> = a.streams().filter(|s| s.stats.series.is_some()).collect();
    streams.sort_by_key(|s| (s.stats.first, s.flow, s.ssrc));
    let mut written = Vec::new();
    for s in streams {
        let name = format!(
            "stream-{}-{}-{:08x}.svg",
            s.flow.src.to_string().replace([':', '[', ']'], "_"),
            s.flow.dst.port(),
            s.ssrc
        );
        let path = dir.join(name);
        plot_stream(a, s, &path).map_err(|message| PlotError {
            path: path.clone(),
            message,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// One panel: caption, y-axis label, lines (points, colour, legend), y range.
type Panel<'a> = (
    &'a str,
    &'a str,
    Vec<(&'a [(f64, f64)], RGBColor, &'a str)>,
    f64,
    f64,
);

fn plot_stream(a: &Analyzer, s: &Stream, path: &Path) -> Result<(), String> {
    let series = s.stats.series.as_ref().ok_or("no series")?;
    let codec = a.codec_of(s.stats.payload_type);
    let width = series.width_secs() as f64;
    let buckets = series.buckets();
    let t_end = (buckets.len() as f64 * width).max(1.0);
    let points = |f: &dyn Fn(&Bucket) -> Option<f64>| -> Vec<(f64, f64)> {
        buckets
            .iter()
            .enumerate()
            .filter(|(_, b)| b.packets > 0)
            .filter_map(|(i, b)| Some(((i as f64 + 0.5) * width, f(b)?)))
            .collect()
    };
    let jitter = points(&|b| Some(b.jitter * 1000.0));
    let loss = points(&|b| Some(b.loss_percent()));
    let mos_pts = points(&|b| mos(codec.as_ref(), b.loss_percent(), Some(1.0), None).0);
    let gap_mean = points(&|b| b.mean_gap().map(|g| g * 1000.0));
    let gap_max = points(&|b| Some(b.max_gap * 1000.0));

    let e = |e: DrawingAreaErrorKind<_>| e.to_string();
    let root = SVGBackend::new(path, (1000, 1100)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let title = format!(
        "{} \u{2192} {}  SSRC 0x{:08x}  PT {} {}",
        s.flow.src,
        s.flow.dst,
        s.ssrc,
        s.stats.payload_type,
        codec
            .as_ref()
            .map_or("(codec unknown)".to_owned(), |c| format!(
                "{}/{}",
                c.name, c.clock_rate
            )),
    );
    let root = root.titled(&title, ("sans-serif", 22)).map_err(e)?;
    let panels = root.split_evenly((4, 1));
    let ymax = |v: &[(f64, f64)], floor: f64| v.iter().map(|p| p.1).fold(floor, f64::max) * 1.15;
    let specs: [Panel<'_>; 4] = [
        (
            "Jitter (RFC 3550)",
            "jitter (ms)",
            vec![(&jitter, BLUE, "jitter")],
            0.0,
            ymax(&jitter, 0.1),
        ),
        (
            "Packet loss per bucket",
            "loss (%)",
            vec![(&loss, RED, "loss")],
            0.0,
            ymax(&loss, 1.0).min(100.0),
        ),
        (
            if mos_pts.is_empty() {
                "MOS (E-model, listening quality): no E-model values for this codec"
            } else {
                "MOS (E-model, listening quality)"
            },
            "MOS",
            vec![(&mos_pts, GREEN, "MOS-LQ")],
            1.0,
            4.6,
        ),
        (
            "Inter-arrival delay",
            "delay (ms)",
            vec![(&gap_mean, BLACK, "mean"), (&gap_max, MAGENTA, "max")],
            0.0,
            ymax(&gap_max, 1.0),
        ),
    ];
    for (panel, (caption, ydesc, lines, y0, y1)) in panels.iter().zip(specs) {
        let mut chart = ChartBuilder::on(panel)
            .caption(caption, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..t_end, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(format!(
                "time since the stream's first packet (s), {}-s buckets",
                series.width_secs()
            ))
            .y_desc(ydesc)
            .draw()
            .map_err(e)?;
        let many = lines.len() > 1;
        for (pts, color, label) in lines {
            let drawn = chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(e)?;
            if many {
                drawn
                    .label(label)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
            }
        }
        if many {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(e)?;
        }
    }
    root.present().map_err(e)?;
    Ok(())
}
