import Foundation
import ProofCore
import ProofSim
import Testing

extension Tag {
    /// Tests of the simulated Argo CD controller.
    @Tag static var argocd: Self
}

/// A simulated cluster running the Argo CD controller over a fresh Git repository made from
/// `scenarios/platform`, with only the bootstrap objects created by hand (as an operator would).
enum ArgoFixture {
    static let platform = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios/platform").path

    /// Fast timing for tests.
    static var fastOptions: ArgoCDOptions {
        var options = ArgoCDOptions()
        options.pollInterval = .milliseconds(100)
        options.selfHealDelay = .milliseconds(200)
        options.tick = .milliseconds(40)
        options.coalesce = .milliseconds(10)
        return options
    }

    /// Runs `body` against a cluster whose Applications all reached Synced/Healthy first.
    static func withArgoCD<T>(_ configure: (inout ArgoCDOptions) -> Void = { _ in },
        _ body: (SimulatedCluster, ArgoCDController, Client) async throws -> T) async throws -> T
    {
        var argo = fastOptions
        configure(&argo)
        let controller = try ArgoCDController.forPlatform(directory: platform, options: argo)
        var options = SimOptions()
        options.platformDirectory = nil
        options.controllers = [controller]
        let cluster = try await SimulatedCluster.start(options)
        let client = try Client(cluster: cluster)
        defer {
            client.cleanUp()
            controller.repository.removeIfTemporary()
        }
        do {
            try await waitForAllApps(client, count: 25)
            let result = try await body(cluster, controller, client)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// The Applications in `argocd`, by name, read over HTTPS.
    static func applications(_ client: Client) async throws -> [String: JSON] {
        let list = try await client.request("GET", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications").json
        var result: [String: JSON] = [:]
        for item in list["items"]?.arrayValue ?? [] {
            if let name = item[path: ["metadata", "name"]]?.stringValue { result[name] = item }
        }
        return result
    }

    static func summary(_ apps: [String: JSON]) -> String {
        apps.keys.sorted().map { name in
            let app = apps[name]!
            return "\(name): \(app[path: ["status", "sync", "status"]]?.displayString ?? "-")/\(app[path: ["status", "health", "status"]]?.displayString ?? "-") \(app[path: ["status", "health", "message"]]?.displayString ?? "") \(app[path: ["status", "conditions"]]?.displayString ?? "") \(app[path: ["status", "operationState", "message"]]?.displayString ?? "")"
        }.joined(separator: "\n")
    }

    /// Waits until `count` Applications exist and all are Synced and Healthy.
    static func waitForAllApps(_ client: Client, count: Int, timeout: Double = 30) async throws {
        var last: [String: JSON] = [:]
        let done = try await eventually(timeout: timeout) {
            last = try await applications(client)
            return last.count == count && last.values.allSatisfy(isSyncedAndHealthy)
        }
        if !done { throw ClientError(message: "apps did not all become Synced/Healthy:\n\(summary(last))") }
    }

    static func isSyncedAndHealthy(_ app: JSON) -> Bool {
        app[path: ["status", "sync", "status"]]?.stringValue == "Synced"
            && app[path: ["status", "health", "status"]]?.stringValue == "Healthy"
    }

    /// Polls an Application until `condition` holds; returns its last state.
    @discardableResult
    static func waitForApp(_ client: Client, _ name: String, timeout: Double = 10, _ condition: (JSON) -> Bool) async throws -> JSON {
        var last: JSON = .null
        let done = try await eventually(timeout: timeout) {
            last = try await client.request("GET", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/\(name)").json
            return condition(last)
        }
        if !done {
            throw ClientError(message: "application \(name) did not reach the expected state; last: sync=\(last[path: ["status", "sync"]]?.displayString ?? "-") health=\(last[path: ["status", "health"]]?.displayString ?? "-") op=\(last[path: ["status", "operationState"]]?.displayString ?? "-") conditions=\(last[path: ["status", "conditions"]]?.displayString ?? "-")")
        }
        return last
    }
}
