//! Scraping a process's `/metrics` and reading it as Prometheus would: every line must be a
//! `# HELP`, a `# TYPE` or a sample as the `prometheus-parse` crate reads them (a line it
//! would skip fails the scrape), and the samples are looked up by name and labels.

use std::collections::BTreeSet;

use prometheus_parse::{LineInfo, Value};

/// One scrape, parsed.
#[derive(Debug)]
pub struct Scrape {
    pub text: String,
    samples: Vec<prometheus_parse::Sample>,
    /// The names of the `# HELP` lines: every family the process declares.
    declared: BTreeSet<String>,
}

/// GETs `url` (a `/metrics`), checks the content type and that every line parses, and
/// parses it.
pub async fn scrape(http: &reqwest::Client, url: &str) -> Scrape {
    let reply = http.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert_eq!(reply.status(), 200, "GET {url}");
    let content_type = reply
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{url} answers Prometheus' text format, not {content_type:?}"
    );
    let text = reply.text().await.expect("the metrics' text");
    parse(&text)
}

/// Parses `text`, failing on any line the parser would skip.
pub fn parse(text: &str) -> Scrape {
    assert!(!text.trim().is_empty(), "an empty scrape");
    for line in text.lines() {
        match LineInfo::parse(line) {
            LineInfo::Ignored => panic!("not a line of Prometheus' text format: {line:?}"),
            LineInfo::Sample { value, .. } => assert!(
                value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
                "a sample whose value is no number: {line:?}"
            ),
            LineInfo::Doc { .. } | LineInfo::Type { .. } | LineInfo::Empty => {}
        }
    }
    let parsed = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("the scrape parses");
    Scrape {
        text: text.to_owned(),
        declared: parsed.docs.keys().cloned().collect(),
        samples: parsed.samples,
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(*v),
        Value::Histogram(_) | Value::Summary(_) => None,
    }
}

impl Scrape {
    /// The sum of the samples named `name` whose labels include `labels` (0 when none).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).filter_map(|s| number(&s.value)).sum()
    }

    /// Whether a sample named `name` with `labels` is there at all (with any value).
    pub fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.matching(name, labels).next().is_some()
    }

    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a prometheus_parse::Sample> + 'a {
        self.samples
            .iter()
            .filter(move |s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
    }

    /// Whether the process declares the metric `name` (a family, or one of a histogram's
    /// series: `_bucket`, `_count`, `_sum`).
    pub fn declares(&self, name: &str) -> bool {
        let family = ["_bucket", "_count", "_sum"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name);
        self.declared.contains(name) || self.declared.contains(family)
    }

    /// Every label value of every sample, for checks of what must never be a label.
    pub fn label_values(&self) -> Vec<String> {
        self.samples.iter().flat_map(|s| s.labels.values().cloned()).collect()
    }
}
