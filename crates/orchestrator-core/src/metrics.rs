//! Prometheus metrics of the ingress, served at `/metrics` in the
//! OpenMetrics text format.

use std::sync::Arc;

use picloud_shared::{ExecutorClient, LimitKind};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// How an invocation ended, as the `outcome` label says it.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)] // label values are snake_case on the wire
pub enum Outcome {
    ok,
    script_error,
    limit,
    busy,
    executor_error,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InvocationLabels {
    script: String,
    outcome: Outcome,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: String,
}

/// The ingress's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    invocations: Family<InvocationLabels, Counter>,
    latency: Histogram,
    limit_kills: Family<LimitLabels, Counter>,
    pub(crate) in_flight: Gauge,
    pool_in_use: Gauge,
    pool_capacity: Gauge,
    pub(crate) log_drops: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let invocations = Family::<InvocationLabels, Counter>::default();
        // 50 µs .. ~26 s.
        let latency = Histogram::new(exponential_buckets(0.000_05, 2.0, 20));
        let limit_kills = Family::<LimitLabels, Counter>::default();
        let in_flight = Gauge::default();
        let pool_in_use = Gauge::default();
        let pool_capacity = Gauge::default();
        let log_drops = Counter::default();

        let mut registry = Registry::with_prefix("picloud");
        registry.register(
            "invocations",
            "Script invocations by script name and outcome",
            invocations.clone(),
        );
        registry.register(
            "invocation_duration_seconds",
            "Time from request to response for script invocations",
            latency.clone(),
        );
        registry.register(
            "limit_kills",
            "Invocations stopped by a limit, by limit setting",
            limit_kills.clone(),
        );
        registry.register(
            "invocations_in_flight",
            "Invocations running now",
            in_flight.clone(),
        );
        registry.register(
            "executor_pool_in_use",
            "Executor instance slots in use (in-process executor only)",
            pool_in_use.clone(),
        );
        registry.register(
            "executor_pool_capacity",
            "Executor instance slots in all (in-process executor only)",
            pool_capacity.clone(),
        );
        registry.register(
            "invocation_log_drops",
            "Invocation records dropped because the log was full or failing",
            log_drops.clone(),
        );
        Metrics {
            registry,
            invocations,
            latency,
            limit_kills,
            in_flight,
            pool_in_use,
            pool_capacity,
            log_drops,
        }
    }
}

impl Metrics {
    /// Counts one finished invocation.
    pub(crate) fn observe(
        &self,
        script: &str,
        outcome: Outcome,
        limit: Option<LimitKind>,
        seconds: f64,
    ) {
        self.invocations
            .get_or_create(&InvocationLabels {
                script: script.to_owned(),
                outcome,
            })
            .inc();
        self.latency.observe(seconds);
        if let Some(limit) = limit {
            self.limit_kills
                .get_or_create(&LimitLabels {
                    limit: limit.setting().to_owned(),
                })
                .inc();
        }
    }

    /// Invocation records dropped so far.
    pub fn log_drops(&self) -> u64 {
        self.log_drops.get()
    }

    /// The text exposition, with the pool gauges read now.
    pub fn encode(&self, executor: &Arc<dyn ExecutorClient>) -> String {
        if let Some(occupancy) = executor.occupancy() {
            self.pool_in_use.set(occupancy.in_use as i64);
            self.pool_capacity.set(occupancy.capacity as i64);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Counts an invocation as in flight until dropped (also when the client
/// goes away mid-run and the handler is cancelled).
pub(crate) struct InFlight<'a>(&'a Gauge);

impl<'a> InFlight<'a> {
    pub(crate) fn enter(metrics: &'a Metrics) -> Self {
        metrics.in_flight.inc();
        InFlight(&metrics.in_flight)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}
