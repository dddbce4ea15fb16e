//! `bansao bench …`: benchmarks of the real product (real SQLite files, real QUIC on loopback),
//! printing one JSON object per line: `{"name", "value", "unit", …details}`.

pub mod city;
pub mod command;
pub mod crash;
pub mod faces;
pub mod issue;
pub mod netlab;
pub mod partitions;
pub mod recognition;
pub mod screen;
pub mod sync;
pub mod ward;

use std::io::Write;

/// Runs `body` in `dir` (created), then removes `dir` unless `keep`, whatever `body` returned.
pub fn in_place<T>(
    dir: &std::path::Path,
    keep: bool,
    body: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    std::fs::create_dir_all(dir)?;
    let result = body();
    if !keep {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

/// The median (the mean of the middle two for an even count; 0 for none). Sorts `values`.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The benchmark's name.
    pub name: &'static str,
    /// The figure.
    pub value: f64,
    /// Its unit.
    pub unit: &'static str,
    /// Anything else worth reading next to it.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Figure {
    /// A figure without details yet.
    pub fn new(name: &'static str, value: f64, unit: &'static str) -> Figure {
        Figure {
            name,
            value,
            unit,
            details: serde_json::Map::new(),
        }
    }

    /// Adds a detail.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Figure {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// Prints the figure as one JSON line.
    pub fn print(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut object = serde_json::Map::new();
        object.insert("name".to_owned(), self.name.into());
        object.insert("value".to_owned(), self.value.into());
        object.insert("unit".to_owned(), self.unit.into());
        object.extend(self.details.clone());
        writeln!(out, "{}", serde_json::Value::Object(object))?;
        out.flush()
    }
}
