import Foundation
import ProofCore
import Synchronization

/// Everything the HTTP layer of one simulated cluster needs, shared by the responder and the cluster handle.
///
/// Lock rule: `port` is a `Mutex` held only to read or set the value; never across an await, a yield or I/O.
final class ClusterCore: Sendable {
    let state: SimState
    let faults: FaultSwitchboard
    let services: ServiceHandlers
    let chaos: ChaosSwitches
    let token: String
    let options: SimOptions
    let continueTokens: ContinueTokens
    let port = Mutex<Int>(0)

    init(state: SimState, faults: FaultSwitchboard, services: ServiceHandlers, chaos: ChaosSwitches, token: String,
        options: SimOptions)
    {
        self.state = state
        self.faults = faults
        self.services = services
        self.chaos = chaos
        self.token = token
        self.options = options
        self.continueTokens = ContinueTokens(ttl: options.continueTokenTTL)
    }
}
