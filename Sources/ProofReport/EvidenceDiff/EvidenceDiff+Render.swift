import ProofCore

extension EvidenceDiff {
    /// A plain-text rendering for the terminal: one block per object (`+` added, `-` removed, `~` changed) with
    /// its field changes, then a summary line.
    public func renderText(before: String, after: String) -> String {
        var out = "--- \(before)\n+++ \(after)\n"
        for entry in entries {
            let mark = entry.change == .added ? "+" : entry.change == .removed ? "-" : "~"
            out += "\(mark) \(Self.title(entry))\n"
            for field in entry.fields {
                out += "    \(field.path.isEmpty ? "(object)" : field.path): \(Self.short(field.before)) → \(Self.short(field.after))\n"
            }
        }
        out += summary + "\n"
        return out
    }

    /// A markdown rendering: a summary line, then a table of added/removed objects and one table of field
    /// changes per changed object.
    public func renderMarkdown(before: String, after: String) -> String {
        var out = "## Diff: \(Markdown.escape(before, as: .code)) → \(Markdown.escape(after, as: .code))\n\n\(Self.cell(summary))\n"
        let presence = entries.filter { $0.change != .changed }
        if !presence.isEmpty {
            out += "\n| change | object | name |\n| --- | --- | --- |\n"
            for entry in presence {
                out += "| \(entry.change.rawValue) | \(Self.cell(Self.logical(entry.identity))) | \(Markdown.escape(entry.beforeName ?? entry.afterName ?? "", as: .tableCode)) |\n"
            }
        }
        for entry in entries where entry.change == .changed {
            out += "\n### \(Self.cell(Self.title(entry)))\n\n| field | before | after |\n| --- | --- | --- |\n"
            for field in entry.fields {
                out += "| \(Markdown.escape(field.path, as: .tableCode)) | \(Self.code(field.before)) | \(Self.code(field.after)) |\n"
            }
        }
        return out
    }

    /// `2 added, 1 removed, 3 changed, 140 unchanged (noise rules: …)`.
    public var summary: String {
        var rules: [String] = []
        if noise.dropBookkeeping { rules.append("resourceVersion/managedFields/generation") }
        if noise.dropBookkeeping, noise.rules >= .serverChurn { rules.append("server heartbeats") }
        if noise.dropTimestamps { rules.append("timestamps") }
        if noise.ignoreUID { rules.append("uid") }
        if noise.maskGeneratedNames { rules.append("generated name suffixes") }
        return "\(added.count) added, \(removed.count) removed, \(changed.count) changed, \(unchanged) unchanged"
            + (rules.isEmpty ? "" : " (ignored: \(rules.joined(separator: ", ")))")
    }

    static func logical(_ identity: ObjectIdentity) -> String {
        "\(identity.apiVersion.isEmpty ? "" : identity.apiVersion + " ")\(identity.kind) \(identity.namespace.isEmpty ? "" : identity.namespace + "/")\(identity.name)"
    }

    static func title(_ entry: Entry) -> String {
        var text = logical(entry.identity)
        switch (entry.beforeName, entry.afterName) {
        case (let l?, let r?) where l != entry.identity.name || r != entry.identity.name:
            text += l == r ? " (\(l))" : " (\(l) → \(r))"
        case (let l?, nil) where l != entry.identity.name: text += " (\(l))"
        case (nil, let r?) where r != entry.identity.name: text += " (\(r))"
        default: break
        }
        return text
    }

    static func short(_ value: JSON?) -> String {
        guard let value else { return "(absent)" }
        let text = value.canonicalString
        return text.count > 120 ? String(text.prefix(117)) + "…" : text
    }

    static func code(_ value: JSON?) -> String {
        guard value != nil else { return "—" }
        return Markdown.escape(short(value), as: .tableCode)
    }

    static func cell(_ text: String) -> String { Markdown.escape(text) }
}
