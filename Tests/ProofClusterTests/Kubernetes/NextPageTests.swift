import Synchronization
import Testing

@testable import ProofCluster

/// ``NextPage``: the request for a list's next page is made exactly once, when both the page's `continue` token has
/// been read from the start of its answer and the list awaits the page, in either order; never without a token or
/// after a cancel; and it is handed over only for the token the whole answer gives.
@Suite("The next page of a list, asked for early")
struct NextPageTests {
    /// Counts and remembers the requests a ``NextPage`` makes; each one's answer never comes.
    final class Starts: Sendable {
        let made = Mutex<[(token: String?, request: PageRequest)]>([])
        var start: @Sendable (String?) -> PageRequest {
            { token in
                let request = PageRequest(
                    response: Task { try await Task.sleep(for: .seconds(60)); return HTTPResponse(status: 200, headers: [], body: []) },
                    next: NextPage())
                self.made.withLock { $0.append((token, request)) }
                return request
            }
        }
        var tokens: [String?] { made.withLock { $0.map(\.token) } }
    }

    @Test("the token read first, then the page awaited: one request, for that token, handed over for it")
    func tokenThenAwaited() throws {
        let starts = Starts()
        let next = NextPage()
        next.tokenRead("t1")
        #expect(starts.tokens.isEmpty)
        next.awaited(start: starts.start)
        next.tokenRead("t2")  // a retried transfer read again: the first reading counts
        next.awaited(start: starts.start)
        #expect(starts.tokens == ["t1"])
        let taken = try #require(next.take(for: "t1"))
        #expect(!taken.response.isCancelled)
        #expect(next.take(for: "t1") == nil)
        taken.cancel()
    }

    @Test("the page awaited first, then the token read: one request")
    func awaitedThenToken() {
        let starts = Starts()
        let next = NextPage()
        next.awaited(start: starts.start)
        #expect(starts.tokens.isEmpty)
        next.tokenRead("t")
        #expect(starts.tokens == ["t"])
        next.take(for: "t")?.cancel()
    }

    @Test("no token (the last page) or a head that was never read: no request, nothing handed over")
    func noToken() {
        let starts = Starts()
        let last = NextPage()
        last.tokenRead(nil)
        last.awaited(start: starts.start)
        #expect(last.take(for: nil) == nil)
        let unread = NextPage()
        unread.awaited(start: starts.start)
        #expect(unread.take(for: "t") == nil)
        #expect(starts.tokens.isEmpty)
    }

    /// A page whose token `token` has been read and which the list awaits: the next request made.
    func madeFor(_ token: String) -> (Starts, NextPage) {
        let starts = Starts()
        let next = NextPage()
        next.tokenRead(token)
        next.awaited(start: starts.start)
        return (starts, next)
    }

    @Test("a request made for another token than the whole answer's is cancelled, not handed over")
    func otherToken() {
        let (starts, next) = madeFor("early")
        #expect(next.take(for: "whole") == nil)
        #expect(starts.made.withLock { $0[0].request.response.isCancelled })
    }

    @Test("cancelled: the request made is cancelled, and none is made after")
    func cancelled() {
        let (starts, made) = madeFor("t")
        made.cancel()
        #expect(starts.made.withLock { $0[0].request.response.isCancelled })
        #expect(made.take(for: "t") == nil)
        let early = NextPage()
        early.cancel()
        early.tokenRead("t")
        early.awaited(start: starts.start)
        #expect(starts.tokens.count == 1)
    }
}
