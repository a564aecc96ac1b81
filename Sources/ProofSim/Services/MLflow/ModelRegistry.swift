import Foundation
import ProofCore
import Synchronization

/// An MLflow model registry (one per environment): registered models, their numbered versions and aliases.
/// Errors are `SimError`s whose `reason` is MLflow's `error_code` (`RESOURCE_DOES_NOT_EXIST`, …).
///
/// Lock rule: one `Mutex` over the models, held only to read or change them; never across an await, a yield or I/O.
final class ModelRegistry: Sendable {
    struct Version: Sendable, Equatable {
        var name: String
        var version: Int
        var created: Int64
        var updated: Int64
        var source: String
        var runID: String
        var description: String
    }

    struct Model: Sendable, Equatable {
        var name: String
        var created: Int64
        var updated: Int64
        var description: String
        var versions: [Version]
        var aliases: [String: Int]
    }

    private let models = Mutex<[String: Model]>([:])
    let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date) { self.now = now }

    var milliseconds: Int64 { Int64(now().timeIntervalSince1970 * 1000) }

    /// Creates `model` with version 1 and `alias` → 1 (the platform's bootstrap registration).
    func seed(model: String, alias: String) {
        _ = try? createModel(model)
        if let version = try? createVersion(model, source: "s3://mlflow-artifacts/bootstrap/\(model)", runID: "bootstrap") {
            try? setAlias(model, alias: alias, version: version.version)
        }
    }

    static func notFound(_ message: String) -> SimError { SimError(code: 404, reason: "RESOURCE_DOES_NOT_EXIST", message: message) }
    static func invalid(_ message: String) -> SimError { SimError(code: 400, reason: "INVALID_PARAMETER_VALUE", message: message) }

    @discardableResult
    func createModel(_ name: String, description: String = "") throws(SimError) -> Model {
        let stamp = milliseconds
        return try models.withLock { (models: inout [String: Model]) throws(SimError) -> Model in
            guard models[name] == nil else {
                throw SimError(code: 400, reason: "RESOURCE_ALREADY_EXISTS", message: "Registered Model (name=\(name)) already exists.")
            }
            let model = Model(name: name, created: stamp, updated: stamp, description: description, versions: [], aliases: [:])
            models[name] = model
            return model
        }
    }

    func model(_ name: String) throws(SimError) -> Model {
        guard let model = models.withLock({ $0[name] }) else {
            throw Self.notFound("Registered Model with name=\(name) not found")
        }
        return model
    }

    var all: [Model] { models.withLock { $0.values.sorted { $0.name < $1.name } } }

    func createVersion(_ name: String, source: String, runID: String, description: String = "") throws(SimError) -> Version {
        let stamp = milliseconds
        return try models.withLock { (models: inout [String: Model]) throws(SimError) -> Version in
            guard var model = models[name] else { throw Self.notFound("Registered Model with name=\(name) not found") }
            let version = Version(name: name, version: (model.versions.map(\.version).max() ?? 0) + 1, created: stamp,
                updated: stamp, source: source, runID: runID, description: description)
            model.versions.append(version)
            model.updated = stamp
            models[name] = model
            return version
        }
    }

    func version(_ name: String, _ version: Int) throws(SimError) -> Version {
        let model = try model(name)
        guard let found = model.versions.first(where: { $0.version == version }) else {
            throw Self.notFound("Model Version (name=\(name), version=\(version)) not found")
        }
        return found
    }

    func setAlias(_ name: String, alias: String, version: Int) throws(SimError) {
        guard !alias.isEmpty, alias.lowercased() != "latest", !alias.hasPrefix("v") || Int(alias.dropFirst()) == nil else {
            throw Self.invalid("Invalid alias name: '\(alias)'. Aliases cannot be empty, 'latest', or of the form 'v<number>'.")
        }
        _ = try self.version(name, version)
        let stamp = milliseconds
        models.withLock { models in
            models[name]?.aliases[alias] = version
            models[name]?.updated = stamp
        }
    }

    func deleteAlias(_ name: String, alias: String) throws(SimError) {
        _ = try model(name)
        models.withLock { _ = $0[name]?.aliases.removeValue(forKey: alias) }
    }

    func versionByAlias(_ name: String, alias: String) throws(SimError) -> Version {
        let model = try model(name)
        guard let number = model.aliases[alias] else {
            throw Self.notFound("Registered model alias \(alias) not found.")
        }
        return try version(name, number)
    }

    // MARK: JSON (MLflow's REST shapes)

    func json(_ version: Version) -> JSON {
        let aliases = (try? model(version.name))?.aliases.filter { $0.value == version.version }.keys.sorted() ?? []
        return ["name": .string(version.name), "version": .string(String(version.version)),
            "creation_timestamp": .int(version.created), "last_updated_timestamp": .int(version.updated),
            "current_stage": "None", "description": .string(version.description), "source": .string(version.source),
            "run_id": .string(version.runID), "status": "READY", "aliases": .array(aliases.map { .string($0) })]
    }

    func json(_ model: Model) -> JSON {
        var object: JSON = ["name": .string(model.name), "creation_timestamp": .int(model.created),
            "last_updated_timestamp": .int(model.updated), "description": .string(model.description)]
        if let latest = model.versions.last { object["latest_versions"] = [json(latest)] }
        if !model.aliases.isEmpty {
            object["aliases"] = .array(model.aliases.keys.sorted().map { ["alias": .string($0), "version": .string(String(model.aliases[$0]!))] })
        }
        return object
    }
}
