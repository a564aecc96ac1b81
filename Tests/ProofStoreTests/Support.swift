import Foundation
import ProofCore
@testable import ProofStore

/// A fresh directory under the system temp dir, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "proofstore-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A database path inside a nested directory (so `open` has to create it).
    var database: String { path + "/evidence/nested/evidence.sqlite" }

    /// The concatenated bytes of every file of the store (database, WAL, shared memory).
    func storeBytes() throws -> [UInt8] {
        let directory = (database as NSString).deletingLastPathComponent
        var bytes: [UInt8] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            bytes += Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
        }
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first, Array(self[index..<(index + needle.count)]) == needle { return true }
            index += 1
        }
        return false
    }
}

enum Fixtures {
    static let info = RunInfo(scenario: "optional-toggle", scenarioDigest: "abc", environment: "dev", cluster: "simulated", harnessVersion: "test")
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func pod(_ index: Int, namespace: String = "airflow-dev", resourceVersion: String = "1", padding: Int = 0) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string("worker-\(index)"), "namespace": .string(namespace), "uid": .string("uid-\(index)"),
                "resourceVersion": .string(resourceVersion), "labels": ["app": "worker", "tier": "core"],
                "managedFields": [["manager": "kubelet", "operation": "Update", "fieldsV1": ["f:status": [:]]]],
            ],
            "spec": [
                "nodeName": "kind-worker",
                "containers": [[
                    "name": "main", "image": "registry.local/worker:1.2.3", "args": ["--serve", "--port=8080"],
                    "env": [["name": "MODE", "value": "train"], ["name": "PAD", "value": .string(String(repeating: "x", count: padding))]],
                    "resources": ["requests": ["cpu": "100m", "memory": "128Mi"]],
                ]],
            ],
            "status": ["phase": "Running", "podIP": .string("10.0.\(index / 250).\(index % 250)"), "containerStatuses": [["name": "main", "ready": true, "restartCount": 0]]],
        ]
    }

    static func namespace(_ name: String) -> JSON {
        ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name), "uid": .string("ns-\(name)"), "resourceVersion": "7"], "status": ["phase": "Active"]]
    }
}
