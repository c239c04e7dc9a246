//! The plot: throughput against concurrency, PiCloud against /healthz and
//! the baselines (log scale).

use std::path::Path;

use plotters::prelude::*;

use crate::run::Results;

pub fn throughput(results: &Results, path: &Path) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let series = [
        ("picloud /healthz", &BLACK),
        ("picloud hello", &BLUE),
        ("picloud realistic", &CYAN),
        ("native Rhai, fresh Engine hello", &RED),
        ("process per request hello", &MAGENTA),
    ];
    let max = results.rows.iter().map(|r| r.load.rps).fold(1.0, f64::max) * 2.0;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Requests per second by connections (wrk, loopback, 2 cores)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d((1u32..256u32).log_scale(), (10f64..max).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("connections")
        .y_desc("requests/s")
        .draw()?;
    for (target, color) in series {
        let mut points: Vec<(u32, f64)> = results
            .rows
            .iter()
            .filter(|r| r.target == target)
            .map(|r| (r.connections, r.load.rps.max(10.0)))
            .collect();
        points.sort_by_key(|p| p.0);
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(target)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
