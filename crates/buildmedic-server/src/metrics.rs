//! `/metrics`: Prometheus/OpenMetrics text, every name prefixed `buildmedic_`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub diagnoses: Family<KindLabels, Counter>,
    pub rejected: Family<ReasonLabels, Counter>,
    pub in_flight: Gauge,
    pub batch_records: Histogram,
    pub commit_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("buildmedic");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response by route",
            latency.clone(),
        );
        let diagnoses = Family::<KindLabels, Counter>::default();
        registry.register(
            "diagnoses",
            "Diagnoses stored, by primary kind and status",
            diagnoses.clone(),
        );
        let rejected = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "rejected_requests",
            "Requests refused before any work: queue full, too large, unauthorized",
            rejected.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "diagnoses_in_flight",
            "Diagnoses admitted and not yet answered (running or queued)",
            in_flight.clone(),
        );
        let batch_records = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "store_batch_records",
            "Records written per store transaction",
            batch_records.clone(),
        );
        let commit_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "store_commit_seconds",
            "Time to write and commit one batch",
            commit_seconds.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            diagnoses,
            rejected,
            in_flight,
            batch_records,
            commit_seconds,
        }
    }
}

impl Metrics {
    pub fn reject(&self, reason: &str) {
        self.rejected
            .get_or_create(&ReasonLabels {
                reason: reason.to_string(),
            })
            .inc();
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
