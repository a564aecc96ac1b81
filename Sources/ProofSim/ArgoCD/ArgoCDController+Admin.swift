import ProofCore

extension ArgoCDController {
    /// Serves the admin endpoint `/_sim/argocd/faults` for the Argo CD controller among `controllers`:
    /// `GET` returns the switches, `POST` (a JSON object such as `{"neverHealthy":true}`,
    /// `{"slowSyncMilliseconds":2000}` or `{"failSync":["feast-*"],"noPrune":true}`; see `ArgoCDFaults.apply`)
    /// changes some of them, `DELETE` turns them all off. Returns the HTTP
    /// status and the JSON body (a `Status` failure for errors); the API server only has to route to it.
    public static func handleFaultsRequest(method: String, body: [UInt8], controllers: [any SimController]) -> (status: Int, body: JSON) {
        guard let controller = controllers.lazy.compactMap({ $0 as? ArgoCDController }).first else {
            let error = SimError(code: 404, reason: "NotFound", message: "Argo CD is not running in this simulated cluster: start it with Argo CD enabled")
            return (error.code, error.status)
        }
        switch method {
        case "GET":
            return (200, controller.faults.json)
        case "POST", "PUT", "PATCH":
            do throws(SimError) {
                let request: JSON
                do {
                    request = try JSON(parsing: body)
                } catch {
                    throw SimError.badRequest("the body must be a JSON object such as {\"neverHealthy\":true}: \(error)")
                }
                try controller.faults.apply(request)
                return (200, controller.faults.json)
            } catch {
                return (error.code, error.status)
            }
        case "DELETE":
            controller.faults.clear()
            return (200, controller.faults.json)
        default:
            let error = SimError.methodNotAllowed("\(method) is not supported on /_sim/argocd/faults: use GET, POST or DELETE")
            return (error.code, error.status)
        }
    }
}
