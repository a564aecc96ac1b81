import Foundation
import ProofCCurl

extension HTTPClient {
    /// Configures `handle` for `request` and runs the transfer to its end, blocking the calling thread.
    static func run(
        _ request: HTTPRequest, on handle: EasyHandle, transfer: Transfer, options: HTTPClientOptions, streaming: Bool
    ) -> Result<Void, ClusterError> {
        let curl = handle.raw
        // Reset keeps the handle's connection cache, DNS cache and TLS sessions, and clears every option.
        proof_curl_easy_reset(curl)
        var headerList: UnsafeMutablePointer<curl_slist>?
        var connectTo: UnsafeMutablePointer<curl_slist>?
        defer {
            proof_curl_slist_free_all(headerList)
            proof_curl_slist_free_all(connectTo)
        }
        var setupFailure: CURLcode?
        func set(_ code: CURLcode) { if code != CURLE_OK, setupFailure == nil { setupFailure = code } }

        var url = request.url
        var hostHeader: String?
        let tls = options.tls
        if let serverName = tls.serverName, let target = URLTarget(url), target.host != serverName {
            // libcurl 7.88 has no option for the SNI/verification name alone. Ask for `serverName` in the URL
            // (so SNI and hostname verification use it) and route that name to the real address with
            // CURLOPT_CONNECT_TO; the Host header keeps the original authority.
            url = target.replacingHost(with: serverName)
            connectTo = proof_curl_slist_append(nil, "\(serverName):\(target.port):\(target.bracketedHost):\(target.port)")
            hostHeader = target.authority
            set(proof_curl_setopt_slist(curl, CURLOPT_CONNECT_TO, connectTo))
        }
        set(proof_curl_setopt_string(curl, CURLOPT_URL, url))
        set(proof_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        set(proof_curl_setopt_long(curl, CURLOPT_TCP_KEEPALIVE, 1))
        set(proof_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 0))
        set(proof_curl_setopt_string(curl, CURLOPT_ACCEPT_ENCODING, ""))
        set(proof_curl_setopt_string(curl, CURLOPT_USERAGENT, options.userAgent))
        set(proof_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(options.connectTimeout)))
        if !streaming {
            set(proof_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout ?? options.requestTimeout)))
        }
        if let proxy = options.proxyURL { set(proof_curl_setopt_string(curl, CURLOPT_PROXY, proxy)) }
        set(proof_curl_setopt_long(curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1))

        // TLS: verification is on unless explicitly turned off.
        if tls.insecureSkipVerify {
            set(proof_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 0))
            set(proof_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 0))
        } else {
            set(proof_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 1))
            set(proof_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 2))
        }
        if let ca = tls.certificateAuthorityPEM {
            set(ca.withUnsafeBytes { proof_curl_setopt_blob(curl, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) })
            // Trust only the kubeconfig's CA, as kubectl does, not the system directory as well.
            set(proof_curl_setopt_ptr(curl, CURLOPT_CAPATH, nil))
        }
        if let identity = request.clientIdentity ?? tls.clientIdentity {
            set(proof_curl_setopt_string(curl, CURLOPT_SSLCERTTYPE, "PEM"))
            set(identity.certificatePEM.withUnsafeBytes {
                proof_curl_setopt_blob(curl, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count)
            })
            set(proof_curl_setopt_string(curl, CURLOPT_SSLKEYTYPE, "PEM"))
            set(identity.keyPEM.withUnsafeBytes {
                proof_curl_setopt_blob(curl, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count)
            })
        }

        // Method and body.
        switch request.method {
        case "GET" where request.body == nil:
            set(proof_curl_setopt_long(curl, CURLOPT_HTTPGET, 1))
        case "HEAD":
            set(proof_curl_setopt_long(curl, CURLOPT_NOBODY, 1))
        default:
            set(proof_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if let body = request.body {
            set(proof_curl_setopt_off(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            // COPYPOSTFIELDS: curl keeps its own copy, so the Swift array need not outlive this call.
            set(body.withUnsafeBytes {
                proof_curl_setopt_ptr(curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
            })
        } else if ["POST", "PUT", "PATCH"].contains(request.method) {
            set(proof_curl_setopt_off(curl, CURLOPT_POSTFIELDSIZE_LARGE, 0))
            set(proof_curl_setopt_string(curl, CURLOPT_COPYPOSTFIELDS, ""))
        }

        // Headers: no `Expect: 100-continue` round trip; the caller's headers; the original Host when rerouted.
        headerList = proof_curl_slist_append(headerList, "Expect:")
        if let hostHeader { headerList = proof_curl_slist_append(headerList, "Host: \(hostHeader)") }
        for header in request.headers { headerList = proof_curl_slist_append(headerList, "\(header.name): \(header.value)") }
        set(proof_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList))

        // Callbacks, all with the transfer as context (kept alive by the caller until perform returns).
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        set(proof_curl_setopt_write_callback(curl, TransferCallbacks.write))
        set(proof_curl_setopt_ptr(curl, CURLOPT_WRITEDATA, context))
        set(proof_curl_setopt_header_callback(curl, TransferCallbacks.header))
        set(proof_curl_setopt_ptr(curl, CURLOPT_HEADERDATA, context))
        set(proof_curl_setopt_xferinfo(curl, TransferCallbacks.progress))
        set(proof_curl_setopt_ptr(curl, CURLOPT_XFERINFODATA, context))
        set(proof_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0))

        if let setupFailure {
            return .failure(error(for: setupFailure, request: request, transfer: transfer, prefix: "cannot configure request"))
        }
        let code = withExtendedLifetime(transfer) { proof_curl_easy_perform(curl) }
        guard code == CURLE_OK else { return .failure(error(for: code, request: request, transfer: transfer)) }
        var status = 0
        _ = proof_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        if status != 0 { transfer.status = status }
        return .success(())
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    private static func error(for code: CURLcode, request: HTTPRequest, transfer: Transfer, prefix: String? = nil)
        -> ClusterError
    {
        let text = String(cString: proof_curl_easy_strerror(code))
        var message = prefix.map { "\($0): \(text)" } ?? text
        var kind = ClusterError.Kind.transport
        if code == CURLE_ABORTED_BY_CALLBACK || code == CURLE_WRITE_ERROR {
            if transfer.idleTimedOut {
                message = "no data for longer than the idle timeout"
            } else if transfer.cancelled.load(ordering: .relaxed) {
                kind = .cancelled
                message = "cancelled"
            }
        }
        var hint: String?
        switch Int(code.rawValue) {
        case 7: hint = "is the API server running and the server URL in the kubeconfig right?"
        case 35, 58, 60, 77, 83, 90:
            hint = "check the cluster's certificate-authority, the client certificate/key and tls-server-name"
        default: break
        }
        return ClusterError(
            kind: kind, message: message, method: request.method, url: request.url,
            curlCode: Int(code.rawValue), hint: hint)
    }
}

/// The host and port of an absolute URL, enough to reroute it for `tls-server-name`.
struct URLTarget {
    let scheme: String
    let host: String
    let port: Int
    let authority: String
    let rest: Substring

    init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        scheme = String(url[..<schemeEnd.lowerBound]).lowercased()
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        var hostPort = afterScheme[..<authorityEnd]
        if let at = hostPort.lastIndex(of: "@") { hostPort = hostPort[hostPort.index(after: at)...] }
        authority = String(hostPort)
        rest = afterScheme[authorityEnd...]
        let defaultPort = scheme == "https" ? 443 : 80
        if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? defaultPort : defaultPort
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            port = Int(hostPort[hostPort.index(after: colon)...]) ?? defaultPort
        } else {
            host = String(hostPort)
            port = defaultPort
        }
    }

    /// The host as CONNECT_TO wants it (IPv6 in brackets).
    var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    func replacingHost(with name: String) -> String { "\(scheme)://\(name):\(port)\(rest)" }
}
