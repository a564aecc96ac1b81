import Foundation
import ProofCore
import Testing

@testable import ProofSim

/// The cron schedule parser, against robfig/cron's standard parser (what kube-controller-manager uses).
@Suite("CronSchedule")
struct CronScheduleTests {
    static func at(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
    static let utc = TimeZone(identifier: "UTC")!

    @Test("five fields, ranges, steps, lists, names and descriptors give the next matching minute")
    func nextTimes() throws {
        let cases: [(String, String, String)] = [
            ("*/15 * * * *", "2026-12-05T10:07:00Z", "2026-12-05T10:15:00Z"),
            ("0 * * * *", "2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"),
            ("@hourly", "2026-12-05T10:07:30Z", "2026-12-05T11:00:00Z"),
            ("@daily", "2026-12-05T10:07:00Z", "2026-12-06T00:00:00Z"),
            ("@weekly", "2026-12-05T10:07:00Z", "2026-12-06T00:00:00Z"),  // 2026-12-06 is a Sunday
            ("@monthly", "2026-12-05T10:07:00Z", "2027-01-01T00:00:00Z"),
            ("@yearly", "2026-12-05T10:07:00Z", "2027-01-01T00:00:00Z"),
            ("30 2 * * MON-FRI", "2026-12-05T10:07:00Z", "2026-12-07T02:30:00Z"),
            ("5,35 9-10 * jan,DEC *", "2026-12-05T10:07:00Z", "2026-12-05T10:35:00Z"),
            ("0 0 29 2 *", "2026-12-05T10:07:00Z", "2028-02-29T00:00:00Z"),
            // Both day fields restricted: either matches (the 13th, or any Friday).
            ("0 0 13 * 5", "2026-12-05T10:07:00Z", "2026-12-11T00:00:00Z"),
            // One day field is `*`: both must match (the 13th, any weekday).
            ("0 0 13 * *", "2026-12-05T10:07:00Z", "2026-12-13T00:00:00Z"),
            ("10/20 * * * ?", "2026-12-05T10:31:00Z", "2026-12-05T10:50:00Z"),
        ]
        for (schedule, from, expected) in cases {
            let parsed = try CronSchedule(schedule)
            #expect(parsed.next(after: Self.at(from), in: Self.utc) == Self.at(expected), "\(schedule) after \(from)")
        }
    }

    @Test("a timeZone moves the schedule: 09:00 in Asia/Seoul is 00:00 UTC; a half-hour zone keeps whole local hours")
    func timeZones() throws {
        let seoul = TimeZone(identifier: "Asia/Seoul")!
        #expect(try CronSchedule("0 9 * * *").next(after: Self.at("2026-12-05T10:07:00Z"), in: seoul) == Self.at("2026-12-06T00:00:00Z"))
        let kolkata = TimeZone(identifier: "Asia/Kolkata")!
        #expect(try CronSchedule("0 * * * *").next(after: Self.at("2026-12-05T10:07:00Z"), in: kolkata) == Self.at("2026-12-05T10:30:00Z"))
    }

    @Test("bad schedules fail with robfig/cron's messages")
    func errors() {
        let cases: [(String, String)] = [
            ("bad", "expected exactly 5 fields, found 1: bad"),
            ("@fortnightly", "unrecognized descriptor: @fortnightly"),
            ("61 * * * *", "end of range (61) above maximum (59): 61"),
            ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
            ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
            ("*/0 * * * *", "step of range should be a positive number: */0"),
            ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
            ("x * * * *", "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"),
        ]
        for (schedule, message) in cases {
            #expect(throws: CronSchedule.ParseError(message: message), "\(schedule)") { try CronSchedule(schedule) }
        }
    }
}

/// The CronJob controller over the real API, driven by a manual clock (no test waits for wall-clock minutes).
@Suite("CronJobController", .tags(.kubectl))
struct CronJobControllerTests {
    static let start = CronScheduleTests.at("2026-12-05T10:07:00Z")
    static let base = "/apis/batch/v1/namespaces/default"

    static func cronJob(_ name: String, _ schedule: String, spec: [String: JSON] = [:], jobsSuspended: Bool = false) -> JSON {
        var jobSpec: JSON = ["template": ["spec": ["restartPolicy": "Never",
            "containers": [["name": "work", "image": "busybox:1.36"]]]]]
        if jobsSuspended { jobSpec["suspend"] = true }
        var cronSpec: [String: JSON] = ["schedule": .string(schedule),
            "jobTemplate": ["metadata": ["labels": ["team": "ml"], "annotations": ["note": "from-template"]], "spec": jobSpec]]
        for (key, value) in spec { cronSpec[key] = value }
        return ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": .string(name)], "spec": .object(cronSpec)]
    }

    static func minutes(_ text: String) -> Int64 { Int64(CronScheduleTests.at(text).timeIntervalSince1970) / 60 }

    static func withClock(_ body: (SimClock, SimulatedCluster, Client) async throws -> Void) async throws {
        let clock = SimClock(manualAt: start)
        try await SimFixture.withCluster({ $0.clock = clock }) { cluster, client in try await body(clock, cluster, client) }
    }

    static func jobs(_ client: Client) async throws -> [JSON] {
        try await client.request("GET", base + "/jobs").json["items"]?.arrayValue ?? []
    }

    static func jobNames(_ client: Client) async throws -> Set<String> {
        Set(try await jobs(client).compactMap { $0[path: ["metadata", "name"]]?.stringValue })
    }

    static func events(_ client: Client, reason: String) async throws -> [JSON] {
        (try await client.request("GET", "/api/v1/namespaces/default/events").json["items"]?.arrayValue ?? [])
            .filter { $0["reason"]?.stringValue == reason }
    }

    static func complete(_ client: Client, _ job: String) async throws -> Bool {
        let status = try await client.request("GET", base + "/jobs/" + job).json["status"]
        return status?["conditions"]?.arrayValue?.contains { $0["type"] == "Complete" && $0["status"] == "True" } == true
    }

    @Test("an @hourly CronJob runs at the hour: Job name, owner, annotations, labels, status and events as a real controller writes them")
    func hourlyRun() async throws {
        try await Self.withClock { clock, _, client in
            let created = try await client.request("POST", Self.base + "/cronjobs", body: Self.cronJob("report", "@hourly"))
            #expect(created.status == 201, "\(created.json)")
            #expect(created.json[path: ["spec", "concurrencyPolicy"]] == "Allow")
            #expect(created.json[path: ["spec", "successfulJobsHistoryLimit"]] == 3)
            #expect(created.json[path: ["spec", "failedJobsHistoryLimit"]] == 1)
            #expect(created.json[path: ["spec", "suspend"]] == false)
            clock.advance(by: 53 * 60 + 30)  // 11:00:30
            let name = "report-\(Self.minutes("2026-12-05T11:00:00Z"))"
            #expect(try await eventually { try await Self.jobNames(client).contains(name) })
            let job = try await client.request("GET", Self.base + "/jobs/" + name).json
            #expect(job[path: ["metadata", "annotations", "batch.kubernetes.io/cronjob-scheduled-timestamp"]] == "2026-12-05T11:00:00Z")
            #expect(job[path: ["metadata", "annotations", "note"]] == "from-template")
            #expect(job[path: ["metadata", "labels", "team"]] == "ml")
            let owner = job[path: ["metadata", "ownerReferences"]]?[0]
            #expect(owner?["kind"] == "CronJob")
            #expect(owner?["name"] == "report")
            #expect(owner?["controller"] == true)
            #expect(owner?["uid"] == created.json[path: ["metadata", "uid"]])
            // The Job's pods run and complete; the CronJob notices and records the success.
            #expect(try await eventually { try await Self.complete(client, name) })
            #expect(try await eventually {
                let status = try await client.request("GET", Self.base + "/cronjobs/report").json["status"]
                return status?["active"] == nil && status?["lastSuccessfulTime"] != nil
            })
            let status = try await client.request("GET", Self.base + "/cronjobs/report").json["status"]
            #expect(status?["lastScheduleTime"] == "2026-12-05T11:00:00Z")
            #expect(try await Self.events(client, reason: "SuccessfulCreate").contains { $0["message"]?.stringValue == "Created job \(name)" })
            #expect(try await Self.events(client, reason: "SawCompletedJob")
                .contains { $0["message"]?.stringValue == "Saw completed job: \(name), status: Complete" })
            // kubectl shows the finished Job pod as Completed, as a real server's table does.
            let pods = try await client.runKubectl("get", "pods", "-l", "job-name=\(name)", "--no-headers")
            #expect(pods.status == 0, "\(pods.stderr)")
            #expect(pods.stdout.contains(" Completed "), "\(pods.stdout)")
        }
    }

    @Test("while a Job is active the CronJob lists it in status.active; only the most recent missed time runs")
    func activeAndMissedTimes() async throws {
        try await Self.withClock { clock, _, client in
            #expect(try await client.request("POST", Self.base + "/cronjobs",
                body: Self.cronJob("held", "*/10 * * * *", jobsSuspended: true)).status == 201)
            clock.advance(by: 60 * 60)  // 11:07: 10:10 … 11:00 passed; only 11:00 runs
            let name = "held-\(Self.minutes("2026-12-05T11:00:00Z"))"
            #expect(try await eventually {
                try await client.request("GET", Self.base + "/cronjobs/held").json[path: ["status", "active"]]?[0]?["name"] == .string(name)
            })
            #expect(try await Self.jobNames(client) == [name])
            let reference = try await client.request("GET", Self.base + "/cronjobs/held").json[path: ["status", "active"]]?[0]
            #expect(reference?["kind"] == "Job")
            #expect(reference?["apiVersion"] == "batch/v1")
            #expect(reference?["namespace"] == "default")
            #expect(reference?["uid"] != nil)
        }
    }

    @Test("concurrencyPolicy Forbid skips a time while a Job is active; Replace deletes it first; Allow runs both")
    func concurrencyPolicies() async throws {
        try await Self.withClock { clock, _, client in
            for policy in ["Forbid", "Replace", "Allow"] {
                let created = try await client.request("POST", Self.base + "/cronjobs",
                    body: Self.cronJob(policy.lowercased(), "@hourly", spec: ["concurrencyPolicy": .string(policy)], jobsSuspended: true))
                #expect(created.status == 201, "\(created.json)")
            }
            let first = Self.minutes("2026-12-05T11:00:00Z")
            let second = Self.minutes("2026-12-05T12:00:00Z")
            clock.advance(by: 53 * 60 + 30)
            #expect(try await eventually {
                try await Self.jobNames(client).isSuperset(of: ["forbid-\(first)", "replace-\(first)", "allow-\(first)"])
            })
            clock.advance(by: 60 * 60)
            #expect(try await eventually {
                let names = try await Self.jobNames(client)
                return names.contains("replace-\(second)") && names.contains("allow-\(second)") && !names.contains("replace-\(first)")
            })
            #expect(try await eventually {
                try await !Self.events(client, reason: "JobAlreadyActive").filter {
                    $0[path: ["involvedObject", "name"]] == "forbid"
                        && $0["message"] == "Not starting job because prior execution is running and concurrency policy is Forbid"
                }.isEmpty
            })
            let names = try await Self.jobNames(client)
            #expect(!names.contains("forbid-\(second)"))
            #expect(names.contains("forbid-\(first)"))
            #expect(names.contains("allow-\(first)"))
            #expect(try await Self.events(client, reason: "SuccessfulDelete").contains { $0["message"]?.stringValue == "Deleted job replace-\(first)" })
            let allow = try await client.request("GET", Self.base + "/cronjobs/allow").json
            #expect(allow[path: ["status", "active"]]?.arrayValue?.count == 2)
        }
    }

    @Test("successfulJobsHistoryLimit keeps only the newest finished Jobs")
    func historyLimit() async throws {
        try await Self.withClock { clock, _, client in try await Self.runHistoryLimit(clock, client) }
    }

    static func runHistoryLimit(_ clock: SimClock, _ client: Client) async throws {
        #expect(try await client.request("POST", base + "/cronjobs",
            body: cronJob("keep", "@hourly", spec: ["successfulJobsHistoryLimit": 1])).status == 201)
        var names: [String] = []
        clock.advance(by: 53 * 60)  // 11:00
        for hour in 11...13 {
            let name = "keep-\(minutes("2026-12-05T\(hour):00:00Z"))"
            names.append(name)
            #expect(try await eventually { try await jobNames(client).contains(name) })
            #expect(try await eventually { try await complete(client, name) })
            if hour < 13 { clock.advance(by: 60 * 60) }
        }
        let newest = names[2]
        #expect(try await eventually { try await jobNames(client) == [newest] })
        let oldest = names[0]
        #expect(try await events(client, reason: "SuccessfulDelete").contains { $0["message"]?.stringValue == "Deleted job \(oldest)" })
    }

    @Test("suspend stops new Jobs; startingDeadlineSeconds skips a time older than the deadline; timeZone moves the schedule")
    func suspendDeadlineAndTimeZone() async throws {
        try await Self.withClock { clock, _, client in
            for body in [Self.cronJob("asleep", "@hourly", spec: ["suspend": true]),
                Self.cronJob("late", "0 * * * *", spec: ["startingDeadlineSeconds": 10]),
                Self.cronJob("seoul", "0 20 * * *", spec: ["timeZone": "Asia/Seoul"]),
                Self.cronJob("zz-sentinel", "@hourly")]
            {
                let created = try await client.request("POST", Self.base + "/cronjobs", body: body)
                #expect(created.status == 201, "\(created.json)")
            }
            clock.advance(by: 53 * 60 + 30)  // 11:00:30 UTC = 20:00:30 in Seoul
            let sentinel = "zz-sentinel-\(Self.minutes("2026-12-05T11:00:00Z"))"
            #expect(try await eventually { try await Self.jobNames(client).contains(sentinel) })
            let seoul = "seoul-\(Self.minutes("2026-12-05T11:00:00Z"))"
            #expect(try await eventually { try await Self.jobNames(client).contains(seoul) })
            let job = try await client.request("GET", Self.base + "/jobs/" + seoul).json
            #expect(job[path: ["metadata", "annotations", "batch.kubernetes.io/cronjob-scheduled-timestamp"]] == "2026-12-05T20:00:00+09:00")
            // The sentinel sorts last, so the pass that created its Job has already looked at the others.
            let names = try await Self.jobNames(client)
            #expect(!names.contains { $0.hasPrefix("asleep-") })
            #expect(!names.contains { $0.hasPrefix("late-") }, "11:00 is 30 s old, past the 10 s deadline")
            // Resuming the suspended one runs its most recent missed time at once (no deadline), as the docs say.
            #expect(try await client.request("PATCH", Self.base + "/cronjobs/asleep", body: ["spec": ["suspend": false]],
                contentType: "application/merge-patch+json").status == 200)
            #expect(try await eventually { try await Self.jobNames(client).contains("asleep-\(Self.minutes("2026-12-05T11:00:00Z"))") })
            // Within the deadline it runs.
            clock.advance(by: 59 * 60 + 35)  // 12:00:05
            #expect(try await eventually {
                let names = try await Self.jobNames(client)
                return names.contains("late-\(Self.minutes("2026-12-05T12:00:00Z"))")
                    && names.contains("asleep-\(Self.minutes("2026-12-05T12:00:00Z"))")
            })
        }
    }

    @Test("after a month without a controller, an every-minute CronJob runs only its latest time and warns TooManyMissedTimes")
    func tooManyMissedTimes() async throws {
        try await Self.withClock { clock, _, client in try await Self.runTooManyMissedTimes(clock, client) }
    }

    static func runTooManyMissedTimes(_ clock: SimClock, _ client: Client) async throws {
        #expect(try await client.request("POST", base + "/cronjobs", body: cronJob("busy", "* * * * *")).status == 201)
        clock.advance(by: 30 * 86_400 + 30)  // 2027-01-04T10:07:30Z
        let name = "busy-\(minutes("2027-01-04T10:07:00Z"))"
        #expect(try await eventually { try await jobNames(client).contains(name) })
        let busy = try await jobNames(client).filter { $0.hasPrefix("busy-") }
        #expect(busy == [name])
        let warnings = try await events(client, reason: "TooManyMissedTimes")
        let suffix = ". Set or decrease .spec.startingDeadlineSeconds or check clock skew"
        #expect(warnings.contains { event in
            event["type"] == "Warning" && (event["message"]?.stringValue ?? "").hasPrefix("too many missed start times: ")
                && (event["message"]?.stringValue ?? "").hasSuffix(suffix)
        })
    }

    @Test("the API server refuses a bad schedule, a TZ= prefix and an unknown timeZone with 422 Invalid")
    func validation() async throws {
        try await SimFixture.withCluster { _, client in
            let cases: [(JSON, String)] = [
                (Self.cronJob("bad", "every hour"),
                    "CronJob.batch \"bad\" is invalid: spec.schedule: Invalid value: \"every hour\": expected exactly 5 fields, found 2: every hour"),
                (Self.cronJob("tz", "TZ=UTC 0 * * * *"),
                    "CronJob.batch \"tz\" is invalid: spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
                (Self.cronJob("mars", "0 * * * *", spec: ["timeZone": "Mars/Olympus"]),
                    "CronJob.batch \"mars\" is invalid: spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus"),
            ]
            for (body, message) in cases {
                let refused = try await client.request("POST", Self.base + "/cronjobs", body: body)
                #expect(refused.status == 422, "\(refused.json)")
                #expect(refused.json["message"]?.stringValue == message)
                #expect(refused.json[path: ["details", "causes"]]?[0]?["reason"] == "FieldValueInvalid")
            }
        }
    }

    @Test("kubectl create job --from=cronjob/NAME makes a Job owned by the CronJob that runs to Complete")
    func kubectlCreateFrom() async throws {
        try await Self.withClock { _, _, client in
            #expect(try await client.request("POST", Self.base + "/cronjobs", body: Self.cronJob("nightly", "@daily")).status == 201)
            let result = try await client.runKubectl("create", "job", "by-hand", "--from=cronjob/nightly")
            #expect(result.status == 0, "\(result.stderr)")
            let job = try await client.request("GET", Self.base + "/jobs/by-hand").json
            #expect(job[path: ["metadata", "annotations", "cronjob.kubernetes.io/instantiate"]] == "manual")
            #expect(job[path: ["metadata", "ownerReferences"]]?[0]?["kind"] == "CronJob")
            #expect(job[path: ["metadata", "ownerReferences"]]?[0]?["name"] == "nightly")
            #expect(job[path: ["spec", "template", "spec", "containers"]]?[0]?["image"] == "busybox:1.36")
            let waited = try await client.runKubectl("wait", "--for=condition=Complete", "job/by-hand", "--timeout=15s")
            #expect(waited.status == 0, "\(waited.stderr)")
            let table = try await client.runKubectl("get", "cronjobs")
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.contains("nightly"))
        }
    }
}
