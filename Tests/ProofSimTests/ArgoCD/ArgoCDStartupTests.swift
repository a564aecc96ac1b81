import Foundation
import ProofCore
import ProofSim
import Testing

@Suite("Argo CD: start-up", .tags(.argocd))
struct ArgoCDStartupTests {
    @Test("every Application of the platform reaches Synced/Healthy at the repository's HEAD")
    func allAppsSynced() async throws {
        try await ArgoFixture.withArgoCD { cluster, controller, client in
            let head = try controller.repository.head()
            let apps = try ArgoFixture.applications(client)
            #expect(apps.count == 25)
            for (name, app) in apps {
                #expect(app[path: ["status", "sync", "revision"]]?.stringValue == head, "\(name)")
                #expect((app[path: ["status", "history"]]?.arrayValue ?? []).count >= 1, "\(name)")
                #expect(app[path: ["status", "reconciledAt"]] != nil, "\(name)")
            }
            print(ArgoFixture.summary(apps))
        }
    }
}
