import Foundation
import ProofCore

/// One Airflow DAG run, as the metadata database keeps it.
struct DagRun: Sendable, Equatable {
    /// The DAGs the simulated Airflow knows.
    static let dags = ["train_register", "deploy", "rollback"]

    var dagID: String
    var runID: String
    var state: String
    var conf: JSON
    var logicalDate: Date
    var queuedAt: Date
    var startDate: Date?
    var endDate: Date?
    var note: String?

    /// Airflow's DAGRun JSON.
    var json: JSON {
        func date(_ value: Date?) -> JSON { value.map { .string(Self.format($0)) } ?? .null }
        return ["dag_id": .string(dagID), "dag_run_id": .string(runID), "state": .string(state), "conf": conf,
            "logical_date": date(logicalDate), "execution_date": date(logicalDate), "queued_at": date(queuedAt),
            "start_date": date(startDate), "end_date": date(endDate), "data_interval_start": date(logicalDate),
            "data_interval_end": date(logicalDate), "external_trigger": true, "run_type": "manual",
            "last_scheduling_decision": date(endDate ?? startDate), "note": note.map { .string($0) } ?? .null]
    }

    /// `2026-11-27T10:00:00.123456+00:00`, as Airflow writes dates.
    static func format(_ date: Date) -> String {
        let seconds = floor(date.timeIntervalSince1970)
        let micros = Int((date.timeIntervalSince1970 - seconds) * 1_000_000)
        let base = SimState.timestamp(Date(timeIntervalSince1970: seconds)).replacingOccurrences(of: "Z", with: "")
        return base + String(format: ".%06d+00:00", micros)
    }
}
