import Foundation
import ProofCore

/// The batch/v1 CronJob controller, as kube-controller-manager 1.32's `cronjob-controller` (ControllerV2) acts:
/// at each time `spec.schedule` matches (in `spec.timeZone`, UTC when unset) it creates the Job
/// `<cronjob>-<scheduled time in minutes since the epoch>` from `spec.jobTemplate` (its labels and annotations,
/// plus `batch.kubernetes.io/cronjob-scheduled-timestamp`, controlled by the CronJob), and keeps
/// `status.active` (references to its unfinished Jobs), `lastScheduleTime` and `lastSuccessfulTime`. Only the
/// most recent missed time runs (earliest: `lastScheduleTime`, else the creation time, but never before
/// `now − startingDeadlineSeconds`; a time older than the deadline is skipped with `MissSchedule`).
/// `suspend` stops new Jobs; `concurrencyPolicy` `Forbid` skips a time while a Job is active
/// (`JobAlreadyActive`), `Replace` deletes the active Jobs first. Finished Jobs beyond
/// `successfulJobsHistoryLimit`/`failedJobsHistoryLimit` are deleted oldest first. Events carry the real
/// reasons and messages (`SuccessfulCreate` "Created job NAME", `SawCompletedJob`, `SuccessfulDelete`, …).
///
/// Time comes from the cluster's `SimClock`, so a test drives schedules by advancing a manual clock.
/// Stateless: every decision is read from the store; one task syncs, woken by CronJob/Job changes and by the
/// clock (every second with the system clock, on each `advance(by:)` with a manual one).
struct CronJobController: SimController {
    let clock: SimClock
    static let events = EventRecorder(component: "cronjob-controller")
    static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

    var name: String { "cronjobs" }

    func run(state: SimState) async {
        let changes = state.changes()
        let (wake, waker) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in changes {
                    if Task.isCancelled { break }
                    if event.resource.group == "batch" { waker.yield() }
                }
                waker.finish()
            }
            group.addTask { [clock] in
                while !Task.isCancelled {
                    await clock.wait(until: nil, maximum: .seconds(1))
                    waker.yield()
                }
                waker.finish()
            }
            group.addTask {
                syncAll(state)
                for await _ in wake {
                    if Task.isCancelled { break }
                    syncAll(state)
                    await Task.yield()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    func syncAll(_ state: SimState) {
        for cronJob in state.list(BuiltIn.cronJobs).items { sync(cronJob, state) }
    }

    /// The schedule's time zone: `spec.timeZone`, UTC when unset; nil when the name is unknown.
    static func timeZone(of cronJob: JSON) -> TimeZone? {
        guard let name = cronJob[path: ["spec", "timeZone"]]?.stringValue else { return TimeZone(identifier: "UTC") }
        return TimeZone(identifier: name)
    }

    static func date(_ value: JSON?) -> Date? {
        value?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
    }

    static func finishedCondition(_ job: JSON) -> String? {
        (job[path: ["status", "conditions"]]?.arrayValue ?? []).first {
            ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True"
        }?["type"]?.stringValue
    }

    /// One pass of the real `syncCronJob` + `cleanupFinishedJobs` over `cronJob`.
    func sync(_ cronJob: JSON, _ state: SimState) {
        let now = clock.now()
        let namespace = WorkloadControllers.meta(cronJob, "namespace")
        let uid = WorkloadControllers.meta(cronJob, "uid")
        let jobs = state.list(BuiltIn.jobs, filter: try? ObjectFilter(namespace: namespace)).items.filter { job in
            (job[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains {
                $0["uid"]?.stringValue == uid && $0["controller"]?.boolValue == true
            }
        }
        var status = cronJob["status"]?.objectValue.map(JSON.object) ?? [:]
        var active = status["active"]?.arrayValue ?? []
        func isActive(_ jobUID: String) -> Bool { active.contains { $0["uid"]?.stringValue == jobUID } }

        for job in jobs {
            let jobUID = WorkloadControllers.meta(job, "uid")
            let finished = Self.finishedCondition(job)
            if !isActive(jobUID) && finished == nil {
                Self.events.recordAggregated(state, about: cronJob, type: "Warning", reason: "UnexpectedJob",
                    message: "Saw a job that the controller did not create or forgot: \(WorkloadControllers.meta(job, "name"))")
            } else if isActive(jobUID), let finished {
                active.removeAll { $0["uid"]?.stringValue == jobUID }
                Self.events.record(state, about: cronJob, reason: "SawCompletedJob",
                    message: "Saw completed job: \(WorkloadControllers.meta(job, "name")), status: \(finished)")
            } else if finished == "Complete", let completed = Self.date(job[path: ["status", "completionTime"]]) {
                if Self.date(status["lastSuccessfulTime"]).map({ completed > $0 }) ?? true {
                    status["lastSuccessfulTime"] = .string(SimState.timestamp(completed))
                }
            }
        }
        let childUIDs = Set(jobs.map { WorkloadControllers.meta($0, "uid") })
        for reference in active where !childUIDs.contains(reference["uid"]?.stringValue ?? "") {
            Self.events.record(state, about: cronJob, reason: "MissingJob",
                message: "Active job went missing: \(reference["name"]?.stringValue ?? "")")
            active.removeAll { $0["uid"] == reference["uid"] }
        }

        defer {
            status["active"] = active.isEmpty ? nil : .array(active)
            if let current = try? state.get(BuiltIn.cronJobs, namespace: namespace, name: WorkloadControllers.meta(cronJob, "name")),
                WorkloadControllers.meta(current, "uid") == uid
            {
                WorkloadControllers.setStatus(BuiltIn.cronJobs, current, status, state)
                cleanUpFinishedJobs(current, state)
            }
        }
        guard cronJob[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        guard let timeZone = Self.timeZone(of: cronJob) else {
            let name = cronJob[path: ["spec", "timeZone"]]?.stringValue ?? ""
            Self.events.recordAggregated(state, about: cronJob, type: "Warning", reason: "UnknownTimeZone",
                message: "invalid timeZone: \"\(name)\": unknown time zone \(name)")
            return
        }
        guard cronJob[path: ["spec", "suspend"]]?.boolValue != true else { return }
        let scheduleText = cronJob[path: ["spec", "schedule"]]?.stringValue ?? ""
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(scheduleText)
        } catch {
            Self.events.recordAggregated(state, about: cronJob, type: "Warning", reason: "UnparseableSchedule",
                message: "unparseable schedule: \"\(scheduleText)\" : \(error.message)")
            return
        }
        let deadline = cronJob[path: ["spec", "startingDeadlineSeconds"]]?.intValue
        guard let scheduled = mostRecentUnmetTime(cronJob, status: status, schedule, timeZone, now: now, state: state)
        else { return }
        if let deadline, scheduled.addingTimeInterval(Double(deadline)) < now {
            Self.events.recordAggregated(state, about: cronJob, type: "Warning", reason: "MissSchedule",
                message: "Missed scheduled time to start a job: \(Self.rfc1123Z(scheduled))")
            return
        }
        let jobName = "\(WorkloadControllers.meta(cronJob, "name"))-\(Int64(scheduled.timeIntervalSince1970) / 60)"
        let scheduledStamp = SimState.timestamp(scheduled)
        if active.contains(where: { $0["name"]?.stringValue == jobName }) || status["lastScheduleTime"]?.stringValue == scheduledStamp {
            return
        }
        let policy = cronJob[path: ["spec", "concurrencyPolicy"]]?.stringValue ?? "Allow"
        if policy == "Forbid" && !active.isEmpty {
            Self.events.recordAggregated(state, about: cronJob, reason: "JobAlreadyActive",
                message: "Not starting job because prior execution is running and concurrency policy is Forbid")
            return
        }
        if policy == "Replace" {
            for reference in active {
                let name = reference["name"]?.stringValue ?? ""
                if (try? state.delete(BuiltIn.jobs, namespace: namespace, name: name, propagation: .background)) != nil {
                    Self.events.record(state, about: cronJob, reason: "SuccessfulDelete", message: "Deleted job \(name)")
                }
            }
            active.removeAll()
        }
        var created: JSON
        do {
            created = try state.create(job(from: cronJob, name: jobName, scheduled: scheduled, timeZone: timeZone), as: BuiltIn.jobs)
            Self.events.record(state, about: cronJob, reason: "SuccessfulCreate", message: "Created job \(jobName)")
        } catch where error.code == 409 {
            guard let existing = try? state.get(BuiltIn.jobs, namespace: namespace, name: jobName),
                (existing[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains(where: {
                    $0["uid"]?.stringValue == uid && $0["controller"]?.boolValue == true
                }),
                !isActive(WorkloadControllers.meta(existing, "uid"))
            else { return }
            created = existing
        } catch {
            Self.events.record(state, about: cronJob, type: "Warning", reason: "FailedCreate",
                message: "Error creating job: \(error.message)")
            return
        }
        active.append(["kind": "Job", "namespace": .string(namespace), "name": .string(jobName),
            "uid": created[path: ["metadata", "uid"]] ?? "", "apiVersion": "batch/v1",
            "resourceVersion": created[path: ["metadata", "resourceVersion"]] ?? ""])
        status["lastScheduleTime"] = .string(scheduledStamp)
    }

    /// The latest schedule time in (earliest, now], where earliest is `lastScheduleTime`, else the creation
    /// time, moved up to `now − startingDeadlineSeconds`; nil when none has passed. More than 100 missed
    /// times give the real `TooManyMissedTimes` warning (the latest still runs; the count it names stops at 101).
    func mostRecentUnmetTime(_ cronJob: JSON, status: JSON, _ schedule: CronSchedule, _ timeZone: TimeZone, now: Date,
        state: SimState) -> Date?
    {
        guard var earliest = Self.date(status["lastScheduleTime"]) ?? Self.date(cronJob[path: ["metadata", "creationTimestamp"]])
        else { return nil }
        if let deadline = cronJob[path: ["spec", "startingDeadlineSeconds"]]?.intValue {
            earliest = max(earliest, now.addingTimeInterval(-Double(deadline)))
        }
        var latest: Date?
        var missed = 0
        var cursor = earliest
        while let next = schedule.next(after: cursor, in: timeZone), next <= now {
            latest = next
            missed += 1
            cursor = next
            if missed > 100 { break }
        }
        if missed > 100 {
            // Only the most recent time matters from here on: look for it in the last hour, day, month, year,
            // five years (a schedule with no time in a short window has few in the next), not minute by minute.
            for window: TimeInterval in [3_600, 86_400, 32 * 86_400, 366 * 86_400, 5 * 366 * 86_400] {
                var scan = max(cursor, now.addingTimeInterval(-window))
                guard let first = schedule.next(after: scan, in: timeZone), first <= now else { continue }
                latest = first
                scan = first
                while let next = schedule.next(after: scan, in: timeZone), next <= now {
                    latest = next
                    scan = next
                }
                break
            }
        }
        if missed > 100 {
            Self.events.recordAggregated(state, about: cronJob, type: "Warning", reason: "TooManyMissedTimes",
                message: "too many missed start times: \(missed). Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        }
        return latest
    }

    /// The Job for one scheduled time (the real `getJobFromTemplate2`).
    func job(from cronJob: JSON, name: String, scheduled: Date, timeZone: TimeZone) -> JSON {
        let template = cronJob[path: ["spec", "jobTemplate"]] ?? [:]
        var annotations = template[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        annotations[Self.scheduledTimestampAnnotation] = .string(scheduled.formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: timeZone)))
        var metadata: [String: JSON] = ["name": .string(name), "namespace": cronJob[path: ["metadata", "namespace"]] ?? "",
            "annotations": .object(annotations), "ownerReferences": [WorkloadControllers.ownerReference(cronJob)]]
        if let labels = template[path: ["metadata", "labels"]], labels.objectValue?.isEmpty == false { metadata["labels"] = labels }
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": .object(metadata), "spec": template["spec"] ?? [:]]
    }

    /// Deletes the oldest finished Jobs beyond the history limits (by `status.startTime`, then name).
    func cleanUpFinishedJobs(_ cronJob: JSON, _ state: SimState) {
        let successfulLimit = cronJob[path: ["spec", "successfulJobsHistoryLimit"]]?.intValue
        let failedLimit = cronJob[path: ["spec", "failedJobsHistoryLimit"]]?.intValue
        guard successfulLimit != nil || failedLimit != nil else { return }
        let namespace = WorkloadControllers.meta(cronJob, "namespace")
        let uid = WorkloadControllers.meta(cronJob, "uid")
        let jobs = state.list(BuiltIn.jobs, filter: try? ObjectFilter(namespace: namespace)).items.filter { job in
            job[path: ["metadata", "deletionTimestamp"]] == nil
                && (job[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains {
                    $0["uid"]?.stringValue == uid && $0["controller"]?.boolValue == true
                }
        }
        for (condition, limit) in [("Complete", successfulLimit), ("Failed", failedLimit)] {
            guard let limit else { continue }
            let finished = jobs.filter { Self.finishedCondition($0) == condition }.sorted { a, b in
                let (startA, startB) = (Self.date(a[path: ["status", "startTime"]]), Self.date(b[path: ["status", "startTime"]]))
                if startA == startB { return WorkloadControllers.meta(a, "name") < WorkloadControllers.meta(b, "name") }
                guard let startB else { return startA != nil }
                guard let startA else { return false }
                return startA < startB
            }
            for job in finished.prefix(max(0, finished.count - Int(limit))) {
                let name = WorkloadControllers.meta(job, "name")
                if (try? state.delete(BuiltIn.jobs, namespace: namespace, name: name, propagation: .background)) != nil {
                    Self.events.record(state, about: cronJob, reason: "SuccessfulDelete", message: "Deleted job \(name)")
                }
            }
        }
    }

    /// Go's `time.RFC1123Z` in UTC (`Mon, 02 Jan 2006 15:04:05 -0700`), as the `MissSchedule` event writes it.
    static func rfc1123Z(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
