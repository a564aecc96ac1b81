import Foundation
import ProofCCurl
import Synchronization

/// Process-wide libcurl loading and initialisation, done once before the first handle is made.
enum CurlGlobal {
    /// Why libcurl could not be loaded or initialised; `nil` once it is ready. Evaluated once (Swift runs a
    /// `static let` initialiser exactly once, thread-safely).
    static let failure: String? = {
        if let problem = proof_curl_load() {
            return String(cString: problem) + " (install libcurl: apt-get install libcurl4)"
        }
        return proof_curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK ? nil : "curl_global_init failed"
    }()

    /// Throws the reason libcurl is not usable, for a request that needs it.
    static func requireReady(_ request: HTTPRequest) throws(ClusterError) {
        if let failure {
            throw ClusterError(kind: .transport, message: failure, method: request.method, url: request.url)
        }
    }
}

extension HTTPClient {
    /// Loads and initialises libcurl (and through it OpenSSL) ahead of the first request; idempotent and
    /// thread-safe. A command that will connect calls it on another core while it parses its arguments.
    public static func warmUp() { _ = CurlGlobal.failure }
}

/// One libcurl easy handle. Reusing a handle reuses its connections, TLS sessions and DNS cache.
///
/// `@unchecked Sendable`: a handle is used by one thread at a time — it is taken out of `EasyHandlePool`
/// (under its mutex) by the thread that runs the transfer and put back when `curl_easy_perform` returned, so
/// no two threads ever touch the same `CURL *` concurrently.
final class EasyHandle: @unchecked Sendable {
    /// The C handle.
    let raw: UnsafeMutableRawPointer

    /// Makes a fresh handle.
    init() {
        // A request checks CurlGlobal.requireReady before it takes a handle.
        if let failure = CurlGlobal.failure { fatalError("libcurl is not usable: \(failure)") }
        guard let raw = proof_curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.raw = raw
    }

    deinit { proof_curl_easy_cleanup(raw) }
}

/// Idle easy handles kept for reuse, so that consecutive requests use warm connections.
final class EasyHandlePool: Sendable {
    private let idle = Mutex<[EasyHandle]>([])
    private let capacity: Int

    /// Creates a pool that keeps at most `capacity` idle handles.
    init(capacity: Int = 16) { self.capacity = capacity }

    /// An idle handle, or a new one.
    func take() -> EasyHandle {
        idle.withLock { $0.popLast() } ?? EasyHandle()
    }

    /// Returns a handle after its transfer; beyond capacity it is closed.
    func put(_ handle: EasyHandle) {
        let kept = idle.withLock { handles -> Bool in
            guard handles.count < capacity else { return false }
            handles.append(handle)
            return true
        }
        if !kept { _ = handle }  // dropped here: deinit closes it and its connections
    }
}
