import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fuzz campaign: `runs` generated inputs through ``FuzzTarget``, timing each and watching the process's
/// peak resident memory; stops at the first input over a limit and reports it.
///
/// An input's time is the CPU time of the thread that decodes it (`CLOCK_THREAD_CPUTIME_ID`), so the limit
/// judges the decoder, not the load of a shared machine; the slowest wall-clock time is reported beside it.
public struct Campaign: Sendable {
    /// What a campaign found.
    public struct Report: Sendable, CustomStringConvertible {
        /// Inputs run.
        public var inputs = 0
        /// Inputs per outcome.
        public var outcomes: [FuzzTarget.Outcome: Int] = [:]
        /// The slowest input's CPU time.
        public var slowest: Duration = .zero
        /// The slowest input's wall-clock time (includes waiting for a busy machine's cores).
        public var slowestWall: Duration = .zero
        /// The slowest input (for reproduction).
        public var slowestInput: [UInt8] = []
        /// The process's peak resident memory (VmHWM) at the end, in bytes.
        public var peakResidentBytes = 0
        /// The whole campaign's wall time.
        public var elapsed: Duration = .zero
        /// The input over a limit, if one was, and which limit.
        public var overLimit: (input: [UInt8], why: String)?

        public var description: String {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            func milliseconds(_ duration: Duration) -> Double {
                Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000
            }
            let counts = FuzzTarget.Outcome.allCases.map { "\($0.rawValue) \(outcomes[$0] ?? 0)" }.joined(separator: ", ")
            return String(
                format: "inputs %d in %.1f s (%.0f/s); slowest input %.1f ms CPU (%d bytes), slowest wall %.1f ms; peak RSS %.1f MB; %@; %@",
                inputs, seconds, Double(inputs) / max(seconds, 0.001), milliseconds(slowest), slowestInput.count, milliseconds(slowestWall),
                Double(peakResidentBytes) / 1_048_576, counts, overLimit.map { "OVER LIMIT: \($0.why)" } ?? "no input over a limit")
        }
    }

    /// The per-input time limit.
    public var timeLimit: Duration = .seconds(1)
    /// The peak resident memory limit for the process.
    public var memoryLimitBytes = 200 << 20
    /// How often (in inputs) to check memory.
    public var memoryCheckEvery = 1000

    /// Creates a campaign with the default limits (1 s, 200 MB).
    public init() {}

    /// Runs `runs` inputs of `generator`; `progress` is called every `progressEvery` inputs.
    public func run(
        _ generator: inout SeededGenerator, runs: Int, directory: String, progressEvery: Int = 0,
        progress: (Report) -> Void = { _ in }
    ) -> Report {
        var report = Report()
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<runs {
            let input = generator.next()
            let began = clock.now
            let cpuBegan = Self.threadCPUTime()
            let outcome = FuzzTarget.run(input, directory: directory)
            let took = Self.threadCPUTime() - cpuBegan
            report.slowestWall = max(report.slowestWall, clock.now - began)
            report.inputs += 1
            report.outcomes[outcome, default: 0] += 1
            if took > report.slowest {
                report.slowest = took
                report.slowestInput = input
            }
            if took > timeLimit {
                report.overLimit = (input, "input \(index) took \(took) of CPU")
                break
            }
            if memoryCheckEvery > 0, index % memoryCheckEvery == 0 {
                let peak = Self.peakResidentBytes()
                if peak > memoryLimitBytes {
                    report.overLimit = (input, "peak resident memory \(peak >> 20) MB after input \(index)")
                    break
                }
            }
            if progressEvery > 0, (index + 1) % progressEvery == 0 {
                report.elapsed = clock.now - start
                report.peakResidentBytes = Self.peakResidentBytes()
                progress(report)
            }
        }
        report.elapsed = clock.now - start
        report.peakResidentBytes = Self.peakResidentBytes()
        if report.overLimit == nil, report.peakResidentBytes > memoryLimitBytes {
            report.overLimit = (report.slowestInput, "peak resident memory \(report.peakResidentBytes >> 20) MB")
        }
        return report
    }

    /// Runs one input `times` times (reproducing a finding): the report's slowest figures are over those runs.
    public func replay(_ input: [UInt8], times: Int, directory: String) -> Report {
        var generator = SeededGenerator(corpus: [input], seed: 0, maxLength: Int.max)
        generator.verbatim = true
        return run(&generator, runs: times, directory: directory)
    }

    /// The calling thread's CPU time.
    static func threadCPUTime() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }

    /// VmHWM of `/proc/self/status` (the process's peak resident set), in bytes; 0 where there is none.
    public static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}
