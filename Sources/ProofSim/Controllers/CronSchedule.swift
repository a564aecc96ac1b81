import Foundation

/// A parsed CronJob `spec.schedule`, as kube-controller-manager reads it (robfig/cron's standard parser): five
/// fields `minute hour day-of-month month day-of-week` with `*`, `?`, values, ranges `a-b`, steps `*/n`,
/// `a/n`, `a-b/n`, comma lists, month names `JAN`–`DEC` and weekday names `SUN`–`SAT` (case-insensitive,
/// weekdays 0–6), or a descriptor (`@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`,
/// `@hourly`). As in cron, when both day fields are restricted a day matching either runs; when one is `*`
/// or `?` both must match. Times are matched in the CronJob's `timeZone` (UTC when unset: the simulated
/// controller manager runs in UTC). Parse errors carry robfig's wording (`expected exactly 5 fields, found 1:
/// …`), which the API server puts into its 422.
struct CronSchedule: Sendable, Equatable {
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    /// Whether the day-of-month or day-of-week field was `*`/`?` (then both day fields must match).
    let anyDay: Bool

    /// A schedule text that cannot be parsed, with the message a real controller/API server reports.
    struct ParseError: Error, Equatable { let message: String }

    private static let descriptors = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"]
    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses `text`; throws `ParseError` worded as robfig/cron words it.
    init(_ text: String) throws(ParseError) {
        var spec = text.trimmingCharacters(in: .whitespaces)
        if spec.hasPrefix("@") {
            guard let expanded = Self.descriptors[spec.lowercased()] else {
                throw ParseError(message: "unrecognized descriptor: \(spec)")
            }
            spec = expanded
        }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(message: "expected exactly 5 fields, found \(fields.count): \(text)")
        }
        minutes = try Self.field(fields[0], 0, 59, names: [])
        hours = try Self.field(fields[1], 0, 23, names: [])
        days = try Self.field(fields[2], 1, 31, names: [])
        months = try Self.field(fields[3], 1, 12, names: Self.monthNames, firstNameValue: 1)
        weekdays = try Self.field(fields[4], 0, 6, names: Self.weekdayNames)
        anyDay = ["*", "?"].contains(where: { fields[2].hasPrefix($0) }) || ["*", "?"].contains(where: { fields[4].hasPrefix($0) })
    }

    private static func field(_ text: String, _ low: Int, _ high: Int, names: [String], firstNameValue: Int = 0)
        throws(ParseError) -> Set<Int>
    {
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let stepParts = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard stepParts.count <= 2 else { throw ParseError(message: "too many slashes: \(part)") }
            let rangeParts = stepParts[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard rangeParts.count <= 2 else { throw ParseError(message: "too many hyphens: \(part)") }
            var start: Int
            var end: Int
            if rangeParts[0] == "*" || rangeParts[0] == "?" {
                guard rangeParts.count == 1 else { throw ParseError(message: "too many hyphens: \(part)") }
                start = low
                end = high
            } else {
                start = try value(rangeParts[0], names: names, firstNameValue: firstNameValue)
                end = rangeParts.count == 2 ? try value(rangeParts[1], names: names, firstNameValue: firstNameValue) : start
            }
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = Int(stepParts[1]) else {
                    throw ParseError(message: "failed to parse int from \(stepParts[1]): strconv.Atoi: parsing \"\(stepParts[1])\": invalid syntax")
                }
                guard parsed > 0 else { throw ParseError(message: "step of range should be a positive number: \(part)") }
                step = parsed
                // `N/step` means from N to the field's maximum.
                if rangeParts.count == 1 && rangeParts[0] != "*" && rangeParts[0] != "?" { end = high }
            }
            guard start >= low else { throw ParseError(message: "beginning of range (\(start)) below minimum (\(low)): \(part)") }
            guard end <= high else { throw ParseError(message: "end of range (\(end)) above maximum (\(high)): \(part)") }
            guard start <= end else { throw ParseError(message: "beginning of range (\(start)) beyond end of range (\(end)): \(part)") }
            for number in stride(from: start, through: end, by: step) { result.insert(number) }
        }
        return result
    }

    private static func value(_ text: String, names: [String], firstNameValue: Int) throws(ParseError) -> Int {
        if let index = names.firstIndex(of: text.lowercased()) { return index + firstNameValue }
        guard let number = Int(text), number >= 0 else {
            throw ParseError(message: "failed to parse int from \(text): strconv.Atoi: parsing \"\(text)\": invalid syntax")
        }
        return number
    }

    /// The first time strictly after `date` (at a whole minute) that the schedule matches in `timeZone`; nil
    /// when none comes within five years (e.g. `0 0 30 2 *`).
    func next(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var time = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while time <= limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: time)
            guard let month = parts.month, let day = parts.day, let hour = parts.hour, let minute = parts.minute,
                let weekday = parts.weekday, let year = parts.year
            else { return nil }
            if !months.contains(month) {
                guard let firstOfNext = calendar.date(from: DateComponents(year: year, month: month + 1, day: 1)) else { return nil }
                time = firstOfNext
                continue
            }
            let dayOfMonth = days.contains(day)
            let dayOfWeek = weekdays.contains(weekday - 1)
            if anyDay ? !(dayOfMonth && dayOfWeek) : !(dayOfMonth || dayOfWeek) {
                guard let tomorrow = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: time)) else { return nil }
                time = tomorrow
                continue
            }
            if !hours.contains(hour) {
                // To the next local hour (also right in zones with a half-hour offset).
                time.addTimeInterval(Double(60 - minute) * 60)
                continue
            }
            if !minutes.contains(minute) {
                time.addTimeInterval(60)
                continue
            }
            return time
        }
        return nil
    }
}
