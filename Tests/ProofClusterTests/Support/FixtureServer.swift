import Foundation
import Synchronization

/// Where the fixture files live.
enum Fixtures {
    static let directory: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }()
}

/// The Python loopback server of `Fixtures/http_fixture.py`, on a free port; stopped when released.
final class FixtureServer: Sendable {
    let port: Int
    let process: Process
    let stdin: Pipe

    /// Starts the server (with TLS when `tls` is given) and waits for its port.
    init(tls: TestPKI? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", Fixtures.directory + "/http_fixture.py"]
        if let tls { arguments += ["--tls", tls.serverCert, tls.serverKey, tls.caCert] }
        process.arguments = arguments
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { throw FixtureError("fixture server exited before printing its port") }
            buffer.append(chunk)
        }
        let line = String(decoding: buffer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else { throw FixtureError("bad banner \(line)") }
        self.port = port
        self.process = process
        self.stdin = stdin
    }

    var http: String { "http://127.0.0.1:\(port)" }
    var https: String { "https://127.0.0.1:\(port)" }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.terminate()
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A throwaway folder.
final class TempDirectory: Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "proof-cluster-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A CA, a server certificate for `kubernetes.test` and `localhost` (deliberately not 127.0.0.1, so that
/// tls-server-name matters), and a client certificate, made once per test run with `openssl`.
final class TestPKI: Sendable {
    let directory: String
    var caCert: String { directory + "/ca.crt" }
    var serverCert: String { directory + "/server.crt" }
    var serverKey: String { directory + "/server.key" }
    var clientCert: String { directory + "/client.crt" }
    var clientKey: String { directory + "/client.key" }
    var otherCACert: String { directory + "/other-ca.crt" }

    static let shared: Result<TestPKI, any Error> = Result { try TestPKI() }

    private init() throws {
        directory = NSTemporaryDirectory() + "proof-pki-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=proof-test-ca"])
        try openssl(["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=other-ca"])
        try "subjectAltName=DNS:kubernetes.test,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            .write(toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: directory + "/client.ext", atomically: true, encoding: .utf8)
        try openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kubernetes.test"])
        try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", "server.crt", "-days", "2", "-extfile", "server.ext"])
        try openssl(["req"] + ec + ["-keyout", "client.key", "-out", "client.csr", "-subj", "/O=system:masters/CN=proof-user"])
        try openssl(["x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", "client.crt", "-days", "2", "-extfile", "client.ext"])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError("openssl \(arguments.joined(separator: " ")) failed") }
    }

    func read(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }
    func base64(_ path: String) -> String { Data(read(path)).base64EncodedString() }
}
