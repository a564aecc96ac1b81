import Foundation
import ProofCore
import ProofReport
import Testing

@Suite("Argo CD app tree")
struct AppTreeTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    static func fixture() throws -> (apps: [JSON], projects: [JSON]) {
        let text = try String(contentsOf: directory.appendingPathComponent("apps.yaml"), encoding: .utf8)
        let items = try YAML.decode(text, file: "apps.yaml").arrayValue ?? []
        return (items.filter { $0["kind"]?.stringValue == "Application" }, items.filter { $0["kind"]?.stringValue == "AppProject" })
    }

    @Test("parents come from app-of-apps resources and owner references; environments from projects and names")
    func structure() throws {
        let (apps, projects) = try Self.fixture()
        let tree = AppTree(applications: apps, projects: projects)
        #expect(tree.nodes["core-dev"]?.parent == "root-core")
        #expect(tree.nodes["fastapi-dev"]?.parent == "core-dev")
        #expect(tree.nodes["feast-dev"]?.parent == "root-optional")
        #expect(tree.nodes["root-core"]?.children == ["core-dev", "core-prod"])
        #expect(tree.nodes["core-dev"]?.environment == "dev")
        #expect(tree.nodes["root-core"]?.environment == "shared")
        #expect(tree.nodes["fastapi-prod"]?.environment == "prod")
        #expect(tree.environments == ["shared", "dev", "prod"])
        #expect(tree.nodes["fastapi-dev"]?.revision == "fedcba9")
        #expect(tree.nodes["sneaky-dev"]?.conditions.first?.hasPrefix("InvalidSpecError: ") == true)
    }

    @Test("a cycle in parent links does not hide apps")
    func cycle() {
        func app(_ name: String, child: String) -> JSON {
            ["kind": "Application", "metadata": ["name": .string(name)], "spec": ["project": "default"],
             "status": ["resources": [["group": "argoproj.io", "kind": "Application", "name": .string(child)]]]]
        }
        let tree = AppTree(applications: [app("a", child: "b"), app("b", child: "a")])
        let markdown = tree.markdown()
        #expect(markdown.contains("**a**"))
        #expect(markdown.contains("**b**"))
    }

    @Test("no applications gives a plain sentence")
    func empty() {
        #expect(AppTree(applications: []).markdown().contains("No Argo CD Applications were captured."))
    }

    @Test("markdown snapshot (re-record with RECORD_SNAPSHOTS=1)")
    func snapshot() throws {
        let (apps, projects) = try Self.fixture()
        let rendered = AppTree(applications: apps, projects: projects).markdown()
        let expectedURL = Self.directory.appendingPathComponent("AppTree.md")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            try rendered.write(to: expectedURL, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(rendered == expected)
    }
}
