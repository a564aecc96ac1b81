import Foundation
import Synchronization

/// The simulated cluster's wall clock: the time the store stamps objects with and the time its time-driven
/// controllers (the CronJob controller) schedule by.
///
/// `.system` follows the machine's clock. A manual clock (`SimClock(manualAt:)`) stands still until a test calls
/// `advance(by:)`, so a test can make an hourly CronJob fire without waiting an hour (and without a fixed sleep:
/// it advances the clock, then waits for the Job to appear).
///
/// Lock rule: `state` is a `Mutex` held only to read or change the time and the waiter list; waiters are
/// resumed after it is released.
public final class SimClock: Sendable {
    private struct State {
        var manualTime: Date?
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state: Mutex<State>

    /// The machine's clock.
    public static var system: SimClock { SimClock(manual: nil) }

    private init(manual: Date?) { state = Mutex(State(manualTime: manual)) }

    /// A clock standing at `start` until `advance(by:)` moves it.
    public convenience init(manualAt start: Date) { self.init(manual: start) }

    /// Whether the clock moves only when `advance(by:)` is called.
    public var isManual: Bool { state.withLock { $0.manualTime != nil } }

    /// The current simulated time.
    public func now() -> Date { state.withLock { $0.manualTime } ?? Date() }

    /// Moves a manual clock forward by `seconds` and wakes every controller waiting on it; ignored by `.system`.
    public func advance(by seconds: TimeInterval) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard let time = state.manualTime else { return [] }
            state.manualTime = time.addingTimeInterval(max(0, seconds))
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Suspends until the clock may have reached `deadline`: for `.system`, until `deadline` or `maximum` from
    /// now, whichever is sooner; for a manual clock, until the next `advance(by:)` (or at once when `deadline`
    /// has passed). Returns early when the task is cancelled.
    func wait(until deadline: Date?, maximum: Duration) async {
        if !isManual {
            var delay = maximum
            if let deadline {
                let seconds = max(0, deadline.timeIntervalSinceNow)
                delay = min(delay, .milliseconds(Int64(seconds * 1000) + 1))
            }
            try? await Task.sleep(for: delay)
            return
        }
        if let deadline, now() >= deadline { return }
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
