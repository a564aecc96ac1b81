import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ProofCore

/// One ML service served on its own, over plain HTTP (`proof sim service NAME --port P`): the same handler
/// and background work as in the embedded cluster, with `host` standing in for the cluster (its only instance
/// is this process; its peers are other processes reached over real HTTP).
///
/// `airflow` also runs the Airflow scheduler's loop (its DAG runs live in this process); `airflow-scheduler`
/// answers only `GET /health`, so that the webserver's host can tell whether the scheduler is up.
///
/// Immutable after `start` (the server and loop tasks); the services' state is `MLServices`, behind its mutexes.
public final class StandaloneService: Sendable {
    /// The service served.
    public let service: MLService
    /// The port bound on the address given (useful with port 0).
    public let port: Int
    private let server: Task<Void, Never>
    private let loop: Task<Void, Never>

    private init(service: MLService, port: Int, server: Task<Void, Never>, loop: Task<Void, Never>) {
        self.service = service
        self.port = port
        self.server = server
        self.loop = loop
    }

    /// Starts serving `service` of `environment` on `address:port` (0 = any free port) and returns once the
    /// port is bound. Throws when the port cannot be bound.
    public static func start(_ service: MLService, environment: String, host: any ServiceHost, address: String = "0.0.0.0",
        port: Int, options: PlatformServicesOptions = PlatformServicesOptions()) async throws -> StandaloneService
    {
        var options = options
        options.environments = [environment]
        let services = MLServices(host: host, options: options)
        let responder = StandaloneResponder(service: service, environment: environment, handler: services.handler(service, environment: environment),
            now: { host.now })
        let (bound, continuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        var logger = Logger(label: "proof-sim-service")
        logger.logLevel = .critical
        let app = Application(responder: responder, server: .http1(),
            configuration: .init(address: .hostname(address, port: port), serverName: nil),
            onServerRunning: { channel in continuation.yield(.success(channel.localAddress?.port ?? 0)) },
            logger: logger)
        let server = Task {
            do { try await app.run() } catch { continuation.yield(.failure(error)) }
            continuation.finish()
        }
        var boundPort: Int?
        for await result in bound {
            do { boundPort = try result.get() } catch {
                server.cancel()
                throw error
            }
            break
        }
        guard let boundPort else { throw SimError(code: 500, reason: "InternalError", message: "\(service.rawValue): the server stopped before binding \(address):\(port)") }
        let tickInterval = options.tickInterval
        let loop = Task {
            while !Task.isCancelled {
                await services.tick([service])
                try? await Task.sleep(for: tickInterval)
            }
        }
        return StandaloneService(service: service, port: boundPort, server: server, loop: loop)
    }

    /// Stops serving and the background loop.
    public func stop() async {
        loop.cancel()
        server.cancel()
        _ = await loop.value
        _ = await server.value
    }

    /// Waits until the server stops (cancellation of the calling task stops it).
    public func wait() async {
        await withTaskCancellationHandler {
            _ = await server.value
        } onCancel: { [server, loop] in
            loop.cancel()
            server.cancel()
        }
        loop.cancel()
    }
}

/// Turns HTTP requests into `ServiceRequest`s for the service's handler.
struct StandaloneResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let service: MLService
    let environment: String
    let handler: (any SimServiceHandler)?
    let now: @Sendable () -> Date

    func respond(to request: Request, context: Context) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var buffer = try await request.body.collect(upTo: 64 << 20)
        let body = buffer.readBytes(length: buffer.readableBytes) ?? []
        let answer: ServiceResponse
        if let handler {
            let call = ServiceRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                headers: headers, body: body, namespace: service.namespace(environment), service: service.serviceName, port: nil)
            do {
                answer = try await handler.handle(call)
            } catch let error as SimError {
                answer = .json(["error": .string(error.message)], status: error.code)
            } catch {
                answer = .json(["error": .string("\(error)")], status: 500)
            }
        } else if request.uri.path == "/health" {
            // Airflow's scheduler health server (`scheduler_health_check_server_port`, 8974).
            answer = .json(["status": "healthy", "latest_scheduler_heartbeat": .string(DagRun.format(now()))])
        } else {
            answer = .json(["error": "Not Found"], status: 404)
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
