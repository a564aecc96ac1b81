import Foundation
import ProofCore
import ProofSim
import Testing

/// Bookmarks carry the store's latest version once every change before it was sent on the stream (a progress
/// notification queued behind them), so a watch on a quiet kind learns that the cluster moved on without it —
/// what a real API server's watch-cache bookmarks give an informer, and what the capture cache relies on.
@Suite("Watch bookmarks carry the store's progress")
struct BookmarkProgressTests {
    @Test("a bookmark on a quiet kind advances to the version of a change to another kind; no event comes after a bookmark past it")
    func bookmarkAdvancesOnAQuietKind() async throws {
        try await SimFixture.withCluster({ $0.timing.bookmarkInterval = .milliseconds(50) }) { _, client in
            let configMaps = "/api/v1/namespaces/default/configmaps"
            _ = try await client.request("POST", configMaps, body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "quiet"]])
            let listed = try #require(Int(try await client.request("GET", configMaps).json[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""))
            let secret = try await client.request(
                "POST", "/api/v1/namespaces/default/secrets", body: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "elsewhere"]]).json
            let latest = try #require(Int(secret[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""))
            #expect(latest > listed)
            let lines = try await client.request("GET", configMaps + "?watch=1&allowWatchBookmarks=true&resourceVersion=\(listed)&timeoutSeconds=1").lines
            let bookmarks = lines.filter { $0["type"] == "BOOKMARK" }.compactMap { Int($0[path: ["object", "metadata", "resourceVersion"]]?.stringValue ?? "") }
            #expect(!bookmarks.isEmpty)
            // Other controllers may write meanwhile: a bookmark is at least the Secret's version.
            #expect(bookmarks.allSatisfy { $0 >= latest }, "every bookmark carries the store's latest version (≥ \(latest)), not the version asked for (\(listed)): \(bookmarks)")
            #expect(lines.allSatisfy { $0["type"] == "BOOKMARK" }, "no ConfigMap changed")
        }
    }

    @Test("on a busy kind, every event's version is above the last bookmark before it, and bookmarks never go back")
    func bookmarksNeverOvertakeEvents() async throws {
        try await SimFixture.withCluster({ $0.timing.bookmarkInterval = .milliseconds(5) }) { _, client in
            let configMaps = "/api/v1/namespaces/default/configmaps"
            let listed = try #require(try await client.request("GET", configMaps).json[path: ["metadata", "resourceVersion"]]?.stringValue)
            async let watched = client.request("GET", configMaps + "?watch=1&allowWatchBookmarks=true&resourceVersion=\(listed)&timeoutSeconds=4").lines
            for index in 0..<20 {
                _ = try await client.request("POST", configMaps, body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string("busy-\(index)")]])
                _ = try await client.request("POST", "/api/v1/namespaces/default/secrets", body: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string("busy-\(index)")]])
            }
            let lines = try await watched
            var bookmark = 0
            var added = 0
            for line in lines {
                let version = Int(line[path: ["object", "metadata", "resourceVersion"]]?.stringValue ?? "") ?? -1
                if line["type"] == "BOOKMARK" {
                    #expect(version >= bookmark)
                    bookmark = version
                } else {
                    #expect(version > bookmark, "an event at \(version) came after a bookmark at \(bookmark)")
                    added += 1
                }
            }
            #expect(added == 20)
        }
    }
}
