import Foundation
import ProofCore
@testable import ProofSim
import Testing

/// The bundled platform CRDs: the JSON the cluster loads is exactly the real YAML manifests, parsed.
@Suite("bundled CRD manifests")
struct BundledCRDTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/ProofSim/Resources/crds")

    @Test("every crds/*.json is its crds/*.yaml parsed (re-written with RECORD_SNAPSHOTS=1)")
    func jsonMatchesYAML() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count == 5, "\(files)")
        for file in files {
            let yaml = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
            let parsed = try YAML.decode(yaml, file: file)
            let jsonURL = Self.directory.appendingPathComponent(String(file.dropLast(5)) + ".json")
            if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
                try Data(parsed.canonicalData).write(to: jsonURL)
            }
            let json = try JSON(parsing: Array(try Data(contentsOf: jsonURL)))
            #expect(json == parsed, "\(jsonURL.lastPathComponent) differs from \(file): regenerate with RECORD_SNAPSHOTS=1")
        }
    }

    @Test("the bundle holds the five platform CRDs, each a valid CRD serving one version with a schema")
    func bundleLoads() throws {
        let crds = try CustomResourceDefinitions.platformManifests.get()
        let names = crds.compactMap { $0[path: ["metadata", "name"]]?.stringValue }.sorted()
        #expect(names == ["applications.argoproj.io", "appprojects.argoproj.io", "podmonitors.monitoring.coreos.com",
            "prometheusrules.monitoring.coreos.com", "servicemonitors.monitoring.coreos.com"])
        for crd in crds {
            let types = try CustomResourceDefinitions.servedTypes(of: crd)
            #expect(types.count == 1)
            #expect(types.first?.customResource?.openAPIV3Schema?["properties"]?["spec"] != nil)
        }
    }
}
