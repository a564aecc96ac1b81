import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How `proof run` stops when it is asked to: SIGINT (Ctrl-C, CI cancellation) and SIGTERM (`timeout`, `kill`,
/// a CI runner's cancellation) are the same request.
///
/// The first signal cancels what is running (the scenario's task, or the cluster connection being opened):
/// the runner then records the steps not run, runs `finally`, takes the `end` capture, closes the run as
/// `aborted` with the evidence so far, and the command removes its temporary directories and exits 3. That
/// gets at most the grace period; when it passes, or on a second signal, the process exits 3 at once, and
/// the run left `running` is shown as `aborted` by the next reader (and closed so by the next writer).
///
/// Concurrency: the signal count, the cancel action and whether the grace timer is armed sit behind one
/// `Mutex`, which is held only to read or swap them; cancelling, printing and exiting happen after it is released. Signals arrive
/// through `DispatchSourceSignal` on a private serial queue, never in an async-signal handler.
final class ShutdownSignals: Sendable {
    private struct State {
        var count = 0
        var cancel: (@Sendable () -> Void)?
        /// Whether the grace timer may still end the process (false once ``uninstall()`` ran).
        var armed = true
    }

    /// A dispatch source as a Sendable value. `@unchecked`: dispatch sources are thread-safe objects (their
    /// `cancel()` may be called from any thread), and the handle is never mutated after `init`.
    private struct Source: @unchecked Sendable {
        let source: any DispatchSourceSignal
    }

    /// How long the orderly shutdown may take after the first signal.
    let gracePeriod: Duration
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "proof.shutdown-signals")
    private let sources: [Source]
    private static let handled: [Int32] = [SIGINT, SIGTERM]

    /// Starts handling SIGINT and SIGTERM (their default action, ending the process, is off until
    /// ``uninstall()``).
    init(gracePeriod: Duration) {
        self.gracePeriod = gracePeriod
        var sources: [any DispatchSourceSignal] = []
        for number in Self.handled {
            signal(number, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: number, queue: queue))
        }
        self.sources = sources.map(Source.init)
        for (number, source) in zip(Self.handled, sources) {
            source.setEventHandler { [weak self] in self?.received(number) }
            source.resume()
        }
    }

    /// Whether a signal has come.
    var interrupted: Bool { state.withLock { $0.count > 0 } }

    /// Makes `cancel` what the next signal does (nil: nothing to cancel). If a signal has already come it is
    /// called at once, so work started just after the signal is stopped too.
    func onInterrupt(_ cancel: (@Sendable () -> Void)?) {
        let already = state.withLock { state -> Bool in
            state.cancel = cancel
            return state.count > 0
        }
        if already { cancel?() }
    }

    /// Stops handling signals: the default actions are back and a pending grace timer will not fire.
    func uninstall() {
        state.withLock { state in
            state.cancel = nil
            state.armed = false
        }
        for source in sources { source.source.cancel() }
        for number in Self.handled { signal(number, SIG_DFL) }
    }

    private func received(_ number: Int32) {
        let name = number == SIGTERM ? "SIGTERM" : "SIGINT"
        let (count, cancel) = state.withLock { state -> (Int, (@Sendable () -> Void)?) in
            state.count += 1
            return (state.count, state.cancel)
        }
        guard count == 1 else {
            Self.exitNow("proof run: second signal (\(name)): exiting at once (exit 3); the run is shown as aborted")
        }
        printError("proof run: \(name): stopping — finally, the end capture and closing the run get up to \(gracePeriod) (--grace-period); a second signal exits at once")
        cancel?()
        let seconds = Double(gracePeriod.components.seconds) + Double(gracePeriod.components.attoseconds) / 1e18
        queue.asyncAfter(deadline: .now() + seconds) { [weak self, gracePeriod] in
            guard let self, self.state.withLock({ $0.armed }) else { return }
            Self.exitNow("proof run: the grace period of \(gracePeriod) passed before the run was closed: exiting now (exit 3); the run is shown as aborted")
        }
    }

    /// Ends the process with exit code 3 without unwinding (other threads may be mid-step).
    private static func exitNow(_ message: String) -> Never {
        printError(message)
        fflush(nil)  // every stdio stream (the progress lines printed so far)
        _exit(Proof.Exit.cannotExecute)
    }
}
