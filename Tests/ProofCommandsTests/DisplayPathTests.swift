import Testing

@testable import ProofCommands

/// What a run records about where it ran names no absolute home or repository path.
@Suite struct DisplayPathTests {
    @Test func pathsBecomeRelativeToTheRepositoryOrHome() {
        let description = "https://10.0.0.1:6443 (context kind, namespace default, from /srv/repo/ci/kube config; TLS: CA; auth: bearer token <redacted>)"
        #expect(
            DisplayPath.shorten(description, workingDirectory: "/srv/repo", home: "/home/ana")
                == "https://10.0.0.1:6443 (context kind, namespace default, from ci/kube config; TLS: CA; auth: bearer token <redacted>)")
        #expect(DisplayPath.shorten("from /home/ana/.kube/config;", workingDirectory: "/srv/repo", home: "/home/ana") == "from ~/.kube/config;")
        // A home directory that is not the usual /home/NAME, and another user's home.
        #expect(DisplayPath.shorten("from /data/u/ana/k; /home/bo/k", workingDirectory: "/srv/repo", home: "/data/u/ana") == "from ~/k; ~/k")
        // The repository inside the home: relative to the repository first.
        #expect(DisplayPath.shorten("--db /home/ana/src/repo/docs/e.sqlite", workingDirectory: "/home/ana/src/repo", home: "/home/ana") == "--db docs/e.sqlite")
        #expect(DisplayPath.shorten("--db /srv/other/e.sqlite", workingDirectory: "/srv/repo", home: "/home/ana") == "--db /srv/other/e.sqlite")
    }
}
