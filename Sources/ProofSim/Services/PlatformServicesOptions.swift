/// How the simulated platform services (Loki, Alloy, Airflow, MLflow, Triton, FastAPI) behave.
public struct PlatformServicesOptions: Sendable {
    /// The environments served; each `ENV` gets `loki-ENV` in `baseline-ENV`, `airflow-webserver` in
    /// `airflow-ENV`, `mlflow` in `mlflow-ENV`, `triton` in `triton-ENV` and `fastapi` in `fastapi-ENV`.
    public var environments: [String] = ["dev", "prod"]
    /// How often the background loop runs (Alloy shipping, Airflow scheduling, retention, pod starts).
    public var tickInterval: Duration = .milliseconds(100)
    /// How long Alloy gathers lines before it pushes them to Loki: `loki.write`'s `endpoint.batch_wait`, whose
    /// default is 1 s. Tests that need logs sooner set it down to `tickInterval`.
    public var alloyBatchWait: Duration = .seconds(1)
    /// Per-instance Loki settings that override what the instance's ConfigMap says, keyed `namespace/service`
    /// (`baseline-dev/loki-dev`).
    public var lokiOverrides: [String: LokiSettings] = [:]
    /// The registered model seeded in every environment's MLflow (version 1, alias `champion`); `nil` seeds nothing.
    public var seededModel: String? = "mlp-model"
    /// How long an Airflow DAG run stays `queued`, then how long it runs (while the scheduler pod is Ready).
    public var dagRunQueuedDelay: Duration = .milliseconds(100)
    /// How long a DAG run stays `running`.
    public var dagRunDuration: Duration = .milliseconds(200)

    /// Defaults: both environments, 100 ms tick, settings from the ConfigMaps, `mlp-model` v1 seeded.
    public init() {}
}

/// The settings of one Loki instance (from `limits_config`/`auth_enabled` of its config, or an override).
public struct LokiSettings: Sendable, Equatable {
    /// `auth_enabled`: requests must carry `X-Scope-OrgID` (401 `no org id` otherwise); when off, everything
    /// belongs to tenant `fake`.
    public var authEnabled = false
    /// `limits_config.max_entries_limit_per_query` (Loki's default 5000).
    public var maxEntriesLimitPerQuery = 5000
    /// `limits_config.max_query_length` in seconds (Loki's default 721h = 30d1h).
    public var maxQueryLengthSeconds: Int64 = 721 * 3600
    /// `limits_config.retention_period` in seconds (the platform's 168h); 0 keeps everything.
    public var retentionSeconds: Int64 = 168 * 3600
    /// `limits_config.reject_old_samples_max_age` in seconds (Loki's default 168h).
    public var rejectOldSamplesMaxAgeSeconds: Int64 = 168 * 3600
    /// `limits_config.creation_grace_period` in seconds (Loki's default 10m): newer entries are refused.
    public var creationGracePeriodSeconds: Int64 = 600

    /// Loki's defaults with the platform's 168h retention.
    public init() {}

    /// Settings from a Loki `config.yaml` text; unknown or missing keys keep their defaults.
    public init(configYAML text: String) {
        self.init()
        guard let config = try? YAML.decode(text) else { return }
        if let auth = config["auth_enabled"]?.boolValue { authEnabled = auth }
        let limits = config["limits_config"]
        if let value = limits?["max_entries_limit_per_query"]?.intValue { maxEntriesLimitPerQuery = Int(value) }
        if let text = limits?["max_query_length"]?.stringValue, let nanos = LogQLParser.duration(text) {
            maxQueryLengthSeconds = nanos / 1_000_000_000
        }
        if let text = limits?["retention_period"]?.stringValue, let nanos = LogQLParser.duration(text) {
            retentionSeconds = nanos / 1_000_000_000
        }
        if let text = limits?["reject_old_samples_max_age"]?.stringValue, let nanos = LogQLParser.duration(text) {
            rejectOldSamplesMaxAgeSeconds = nanos / 1_000_000_000
        }
    }
}

import ProofCore
