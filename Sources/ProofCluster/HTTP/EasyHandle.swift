import Foundation
import ProofCCurl
import Synchronization

/// Process-wide libcurl initialisation, done once before the first handle is made.
enum CurlGlobal {
    /// Evaluated once (Swift runs a `static let` initialiser exactly once, thread-safely).
    static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()
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
        _ = CurlGlobal.initialized
        guard let raw = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.raw = raw
    }

    deinit { curl_easy_cleanup(raw) }
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
