import Hummingbird
import ProofCore

/// `/openapi/v2` and `/openapi/v3`: the simulated cluster publishes no schemas; see docs/sim.md.
enum OpenAPI {
    static func respond(_ call: APIServer.Call, registry: ResourceRegistry) throws(SimError) -> Response {
        throw .pathNotFound(call.path)
    }
}
