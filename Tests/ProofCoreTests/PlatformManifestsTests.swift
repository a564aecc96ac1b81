import Foundation
import ProofCore
import Testing

/// Checks the platform manifests under `scenarios/platform/` that the simulated cluster and its Argo CD
/// controller load, so a broken edit there fails here, with the file named, before any scenario runs.
@Suite("Platform manifests (scenarios/platform)")
struct PlatformManifestsTests {
    /// One decoded document and the file (relative to `scenarios/platform`) it came from.
    struct Document {
        var file: String
        var json: JSON
        var kind: String { json["kind"]?.stringValue ?? "" }
        var name: String { json.value(atDottedPath: "metadata.name")?.stringValue ?? "" }
        var namespace: String? { json.value(atDottedPath: "metadata.namespace")?.stringValue }
    }

    static let root: URL = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "scenarios/platform")

    /// Every `.yaml`/`.yml` file under the platform folder, relative paths, sorted.
    static func yamlFiles(under relative: String = "", recursive: Bool = true) -> [String] {
        let base = relative.isEmpty ? root : root.appending(path: relative)
        let manager = FileManager.default
        var out: [String] = []
        let entries = (try? manager.contentsOfDirectory(atPath: base.path)) ?? []
        for entry in entries.sorted() {
            let path = relative.isEmpty ? entry : relative + "/" + entry
            var isDirectory: ObjCBool = false
            _ = manager.fileExists(atPath: root.appending(path: path).path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                if recursive { out += yamlFiles(under: path) }
            } else if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
                out.append(path)
            }
        }
        return out
    }

    static func load() throws -> [Document] {
        var documents: [Document] = []
        for file in yamlFiles() {
            let text = try String(contentsOf: root.appending(path: file), encoding: .utf8)
            for json in try YAML.decodeAll(text, file: file) {
                documents.append(Document(file: file, json: json))
            }
        }
        return documents
    }

    static let envApps: Set<String> = [
        "airflow", "mlflow", "triton", "fastapi", "monitoring", "logging", "storage", "feast",
    ]

    @Test("every document parses and has apiVersion, kind and metadata.name")
    func wellFormed() throws {
        let documents = try Self.load()
        #expect(Self.yamlFiles().count >= 60)
        for document in documents {
            #expect(document.json["apiVersion"]?.stringValue?.isEmpty == false, "\(document.file): apiVersion")
            #expect(!document.kind.isEmpty, "\(document.file): kind")
            #expect(!document.name.isEmpty, "\(document.file): metadata.name")
        }
        let identities = documents.compactMap { ObjectIdentity(object: $0.json) }
        #expect(identities.count == documents.count)
        #expect(Set(identities).count == identities.count, "an object is declared twice")
    }

    @Test("the Application tree is the one the architecture describes, with existing paths")
    func applicationTree() throws {
        let documents = try Self.load()
        let apps = documents.filter { $0.kind == "Application" }
        var children: [String: Set<String>] = [:]
        for app in apps {
            let spec = try #require(app.json["spec"])
            let path = try #require(spec.value(atDottedPath: "source.path")?.stringValue)
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: Self.root.appending(path: path).path, isDirectory: &isDirectory) && isDirectory.boolValue,
                    "\(app.name): path \(path) does not exist")
            #expect(!Self.yamlFiles(under: path).isEmpty, "\(app.name): path \(path) has no manifests")
            #expect(spec.value(atDottedPath: "source.repoURL") == "https://git.example.invalid/mlp/gitops.git")
            #expect(spec.value(atDottedPath: "source.targetRevision") == "HEAD")
            #expect(spec.value(atDottedPath: "syncPolicy.automated") == ["prune": true, "selfHeal": true], "\(app.name)")
            #expect(app.json.value(atDottedPath: "metadata.finalizers") == ["resources-finalizer.argocd.argoproj.io"], "\(app.name)")
            #expect(app.namespace == "argocd")
            let recurse = spec.value(atDottedPath: "source.directory.recurse")?.boolValue ?? false
            children[app.name] = Set(
                Self.yamlFiles(under: path, recursive: recurse).flatMap { file in
                    documents.filter { $0.file == file && $0.kind == "Application" }.map(\.name)
                })
        }
        let expected: [String: Set<String>] = [
            "root-core": ["core-dev", "core-prod"],
            "core-dev": ["airflow-dev", "mlflow-dev", "triton-dev", "fastapi-dev"],
            "core-prod": ["airflow-prod", "mlflow-prod", "triton-prod", "fastapi-prod"],
            "root-baseline": ["baseline-dev", "baseline-prod"],
            "baseline-dev": ["monitoring-dev", "logging-dev", "storage-dev"],
            "baseline-prod": ["monitoring-prod", "logging-prod", "storage-prod"],
            "root-optional": ["optional-envs-dev", "optional-envs-prod"],
            "optional-envs-dev": ["feast-dev"],
            "optional-envs-prod": ["feast-prod"],
        ]
        for (parent, kids) in expected { #expect(children[parent] == kids, "\(parent)") }
        let roots = Set(apps.filter { $0.file.hasPrefix("bootstrap/") }.map(\.name))
        #expect(roots == ["root-core", "root-baseline", "root-optional"])
        #expect(apps.count == 3 + 6 + 16)
    }

    @Test("env apps land only in namespaces of their project's suffix; projects enforce it")
    func environmentIsolation() throws {
        let documents = try Self.load()
        for app in documents where app.kind == "Application" {
            let project = app.json.value(atDottedPath: "spec.project")?.stringValue ?? ""
            let namespace = app.json.value(atDottedPath: "spec.destination.namespace")?.stringValue ?? ""
            let base = app.name.split(separator: "-").dropLast().joined(separator: "-")
            if Self.envApps.contains(base) {
                #expect(project == "dev" || project == "prod", "\(app.name): project \(project)")
                #expect(app.name.hasSuffix("-" + project), "\(app.name) is in project \(project)")
                #expect(namespace.hasSuffix("-" + project), "\(app.name): \(namespace) is not a -\(project) namespace")
                #expect(app.json.value(atDottedPath: "spec.syncPolicy.syncOptions") == ["CreateNamespace=true"], "\(app.name)")
            } else {
                #expect(project == "default" && namespace == "argocd", "\(app.name): app-of-apps go to argocd in project default")
            }
        }
        let projects = Dictionary(uniqueKeysWithValues: documents.filter { $0.kind == "AppProject" }.map { ($0.name, $0.json) })
        #expect(Set(projects.keys) == ["default", "dev", "prod"])
        for env in ["dev", "prod"] {
            let destinations = projects[env]?.value(atDottedPath: "spec.destinations")?.arrayValue ?? []
            #expect(destinations == [["server": "https://kubernetes.default.svc", "namespace": .string("*-\(env)")]])
            let other = env == "dev" ? "prod" : "dev"
            #expect(Glob("*-\(env)").matches("airflow-\(env)") && !Glob("*-\(env)").matches("airflow-\(other)"))
        }
    }

    @Test("every namespaced object sits in its app's destination namespace, and every file has one owner")
    func ownership() throws {
        let documents = try Self.load()
        var owners: [String: [String]] = [:]
        for app in documents where app.kind == "Application" {
            let path = app.json.value(atDottedPath: "spec.source.path")?.stringValue ?? ""
            let recurse = app.json.value(atDottedPath: "spec.source.directory.recurse")?.boolValue ?? false
            let destination = app.json.value(atDottedPath: "spec.destination.namespace")?.stringValue
            for file in Self.yamlFiles(under: path, recursive: recurse) {
                owners[file, default: []].append(app.name)
                for document in documents where document.file == file && document.kind != "Namespace" {
                    #expect(document.namespace == destination, "\(file): \(document.kind)/\(document.name) not in \(destination ?? "-")")
                }
            }
        }
        for file in Self.yamlFiles() where !file.hasPrefix("bootstrap/") {
            #expect(owners[file]?.count == 1, "\(file) is owned by \(owners[file] ?? [])")
        }
        let namespaces = Set(documents.filter { $0.kind == "Namespace" }.map(\.name))
        var expected: Set<String> = ["argocd"]
        for component in ["airflow", "mlflow", "triton", "fastapi", "baseline", "monitoring"] {
            for env in ["dev", "prod"] { expected.insert("\(component)-\(env)") }
        }
        #expect(namespaces == expected, "feature-store-* must come from CreateNamespace=true only")
    }

    @Test("Alloy collects exactly the five platform namespaces and pushes to Loki")
    func alloy() throws {
        let documents = try Self.load()
        for env in ["dev", "prod"] {
            let configMap = documents.first { $0.kind == "ConfigMap" && $0.name == "alloy-config" && $0.namespace == "baseline-\(env)" }
            let config = try #require(configMap?.json["data"]?["config.alloy"])
            let text = try #require(config.stringValue)
            let namesLine = try #require(text.split(separator: "\n").first { $0.contains("names = [") })
            let listed = namesLine.split(separator: "[")[1].split(separator: "]")[0]
                .split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
            #expect(listed.sorted() == ["airflow", "mlflow", "fastapi", "triton", "feature-store"].map { "\($0)-\(env)" }.sorted())
            #expect(text.contains("url = \"http://loki-\(env).baseline-\(env).svc.cluster.local:3100/loki/api/v1/push\""))
            #expect(documents.contains { $0.kind == "DaemonSet" && $0.name == "alloy" && $0.namespace == "baseline-\(env)" })
        }
    }

    @Test("Loki keeps its 20Gi volume; services and ingresses the harness relies on exist")
    func baselineDetails() throws {
        let documents = try Self.load()
        func find(_ kind: String, _ name: String, _ namespace: String) -> JSON? {
            documents.first { $0.kind == kind && $0.name == name && $0.namespace == namespace }?.json
        }
        for env in ["dev", "prod"] {
            let loki = try #require(find("StatefulSet", "loki", "baseline-\(env)"))
            #expect(loki.value(atDottedPath: "spec.persistentVolumeClaimRetentionPolicy") == ["whenDeleted": "Retain", "whenScaled": "Retain"])
            #expect(loki.value(atDottedPath: "spec.volumeClaimTemplates.0.spec.resources.requests.storage") == "20Gi")
            let ports: [(String, String, Int64)] = [
                ("loki-\(env)", "baseline-\(env)", 3100), ("minio-\(env)", "baseline-\(env)", 9000),
                ("monitoring-\(env)-kube-promet-prometheus", "monitoring-\(env)", 9090),
                ("monitoring-\(env)-kube-promet-alertmanager", "monitoring-\(env)", 9093),
                ("mlflow", "mlflow-\(env)", 5000), ("triton", "triton-\(env)", 8000), ("fastapi", "fastapi-\(env)", 8080),
                ("redis", "feature-store-\(env)", 6379),
            ]
            for (name, namespace, port) in ports {
                #expect(find("Service", name, namespace)?.value(atDottedPath: "spec.ports.0.port") == .int(port), "\(namespace)/\(name)")
            }
            let hosts = documents.filter { $0.kind == "Ingress" && $0.namespace == "monitoring-\(env)" }
                .compactMap { $0.json.value(atDottedPath: "spec.rules.0.host")?.stringValue }
            #expect(Set(hosts) == ["grafana-\(env).local", "prometheus-\(env).local", "alert-\(env).local"])
            #expect(find("Deployment", "fastapi", "fastapi-\(env)")?.value(atDottedPath: "spec.template.spec.containers.0.image") == "ghcr.io/example/mlp-fastapi:1.0.0")
            let extras = Set(documents.filter { $0.file.hasPrefix("baseline/envs/\(env)/baseline/monitoring/extra/") }.map(\.kind))
            #expect(extras == ["ServiceMonitor", "PodMonitor", "PrometheusRule"])
        }
        for document in documents where ["Deployment", "StatefulSet"].contains(document.kind) {
            #expect(document.json.value(atDottedPath: "spec.replicas") == 1, "\(document.file): \(document.name)")
            let selector = try LabelSelector(json: document.json.value(atDottedPath: "spec.selector") ?? .null)
            let podLabels = document.json.value(atDottedPath: "spec.template.metadata.labels")
            #expect(selector.matches(object: ["metadata": ["labels": podLabels ?? .null]]), "\(document.file): selector does not match its pods")
        }
    }
}
