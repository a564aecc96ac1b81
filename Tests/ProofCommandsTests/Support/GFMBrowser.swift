import Foundation
import ProofReport

/// A markdown proof as a reviewer sees it on GitHub: rendered by `cmark-gfm` (GitHub's own renderer, with the
/// table, autolink, strikethrough and tag-filter extensions, raw HTML allowed as GitHub allows `<details>`),
/// opened in headless Chromium with Mermaid (`mermaid.min.js` from the PyPI package `artoo-mermaid`), and
/// checked there: every Mermaid block parses and renders, every table row has its header's column count (in
/// the markdown, where an unescaped `|` adds a cell that the renderer silently drops), and the page's text.
///
/// Stateless: every call starts its own processes (Chromium with its own profile directory).
enum GFMBrowser {
    /// What one page showed.
    struct Page {
        /// Mermaid blocks found on the page.
        var mermaidBlocks: Int
        /// Mermaid's parse or render errors, one per failing block.
        var mermaidErrors: [String]
        /// The page's text (closed `<details>` included), whitespace collapsed.
        var text: String
        /// Table rows whose cell count differs from their header's (in the markdown source).
        var tableProblems: [String]

        /// The strings of `given` that the page's text does not show (compared with whitespace collapsed and
        /// home directories as `~`, as the proof writes them).
        func missing(_ given: [String]) -> [String] {
            given.filter { !$0.isEmpty && !text.contains(GFMBrowser.collapse(Markdown.homeRelative($0))) }
        }
    }

    /// A tool the check needs is not installed (scripts/setup.sh installs them).
    struct ToolError: Error, CustomStringConvertible {
        var description: String
    }

    /// Whether headless Chromium starts here (the one reason the browser tests skip).
    static let chromiumStarts: Bool = {
        guard let chromium = try? executable("chromium") else { return false }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("proof-chromium-probe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        guard let result = try? run(chromium, flags(profile: profile) + ["--dump-dom", "about:blank"], timeout: 60) else { return false }
        return result.status == 0 && result.output.contains("<html")
    }()

    /// `mermaid.min.js` of the installed `artoo-mermaid` package.
    static func mermaidScript() throws -> URL {
        let python = try executable("python3")
        let result = try run(
            python, ["-c", "import importlib.util, os; s = importlib.util.find_spec('artoo_mermaid'); print(os.path.join(s.submodule_search_locations[0], 'assets', 'mermaid.min.js') if s else '')"],
            timeout: 30)
        let path = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !path.isEmpty, FileManager.default.fileExists(atPath: path) else {
            throw ToolError(description: "mermaid.min.js not found: install the PyPI package artoo-mermaid (scripts/setup.sh does)")
        }
        return URL(fileURLWithPath: path)
    }

    /// Renders `markdown` to an HTML page in `directory` (named `name.html`) and opens it in Chromium; with
    /// `screenshot`, also saves a PNG of the top of the page there.
    static func open(_ markdown: String, name: String, in directory: URL, screenshot: URL? = nil) throws -> Page {
        let chromium = try executable("chromium")
        let body = try cmark(markdown)
        let page = directory.appendingPathComponent("\(name).html")
        try html(body: body, mermaid: try mermaidScript()).write(to: page, atomically: true, encoding: .utf8)
        let profile = directory.appendingPathComponent("chromium-\(name)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try run(chromium, flags(profile: profile) + ["--virtual-time-budget=20000", "--dump-dom", page.absoluteString], timeout: 120)
        guard let marker = result.output.range(of: "id=\"proof-check\""),
            let start = result.output.range(of: ">", range: marker.upperBound..<result.output.endIndex),
            let end = result.output.range(of: "</pre>", range: start.upperBound..<result.output.endIndex),
            let data = Data(base64Encoded: String(result.output[start.upperBound..<end.lowerBound])),
            let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw ToolError(description: "the page's check did not finish in Chromium (exit \(result.status)): \(result.output.suffix(400))")
        }
        if let screenshot {
            let shot = try run(
                chromium, flags(profile: profile) + ["--virtual-time-budget=20000", "--window-size=1280,1500", "--hide-scrollbars", "--screenshot=\(screenshot.path)", page.absoluteString],
                timeout: 120)
            guard FileManager.default.fileExists(atPath: screenshot.path) else {
                throw ToolError(description: "Chromium wrote no screenshot (exit \(shot.status)): \(shot.output.suffix(400))")
            }
        }
        var tableProblems = tableRowProblems(markdown)
        for (index, table) in ((report["tables"] as? [[String: Any]]) ?? []).enumerated() {
            let header = table["header"] as? Int ?? 0
            for (row, cells) in ((table["rows"] as? [Int]) ?? []).enumerated() where cells != header {
                tableProblems.append("rendered table \(index + 1) row \(row + 1): \(cells) cells, header \(header)")
            }
        }
        return Page(
            mermaidBlocks: report["mermaidBlocks"] as? Int ?? 0, mermaidErrors: report["mermaidErrors"] as? [String] ?? ["no report"],
            text: collapse(report["text"] as? String ?? ""), tableProblems: tableProblems)
    }

    /// Rows of GFM tables in `markdown` whose cell count is not their header's, as `line N: …` (fenced code
    /// skipped; cells split as cmark-gfm splits them: at every `|` not escaped by a backslash).
    static func tableRowProblems(_ markdown: String) -> [String] {
        let lines = markdown.components(separatedBy: "\n")
        var problems: [String] = []
        var fence: String?
        var header: Int?
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let open = fence {
                if trimmed.hasPrefix(open), trimmed.allSatisfy({ $0 == "`" }) { fence = nil }
                continue
            }
            if trimmed.hasPrefix("```") {
                fence = String(trimmed.prefix { $0 == "`" })
                header = nil
                continue
            }
            guard trimmed.hasPrefix("|") else { header = nil; continue }
            if let columns = header {
                let cells = cells(trimmed)
                if cells != columns { problems.append("line \(index + 1): \(cells) cells, header \(columns): \(line.prefix(160))") }
            } else if index + 1 < lines.count, isDelimiterRow(lines[index + 1]) {
                header = cells(trimmed)
                let delimiter = cells(lines[index + 1].trimmingCharacters(in: .whitespaces))
                if delimiter != header { problems.append("line \(index + 2): delimiter row has \(delimiter) cells, header \(header ?? 0)") }
            }
        }
        return problems
    }

    static func cells(_ row: String) -> Int {
        var count = 0
        var escaped = false
        for character in row {
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true } else if character == "|" { count += 1 }
        }
        let closed = row.hasSuffix("|") && !row.hasSuffix("\\|")
        return count - 1 + (closed ? 0 : 1)
    }

    static func isDelimiterRow(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("|"), trimmed.contains("-") else { return false }
        return trimmed.allSatisfy { "|:- ".contains($0) }
    }

    /// Whitespace runs as one space, ends trimmed.
    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `markdown` as cmark-gfm renders it for GitHub.
    static func cmark(_ markdown: String) throws -> String {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("proof-gfm-\(UUID().uuidString).md")
        try markdown.write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let result = try run(
            try executable("cmark-gfm"), ["--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter", input.path], timeout: 60)
        guard result.status == 0 else { throw ToolError(description: "cmark-gfm exited \(result.status): \(result.output.prefix(300))") }
        return result.output
    }

    /// The page: GitHub-like styling, the rendered proof, Mermaid, and the script that checks the page and
    /// writes its findings (base64 JSON) into `<pre id="proof-check">` for `--dump-dom`.
    static func html(body: String, mermaid: URL) -> String {
        """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>proof</title>
        <style>
        body { margin: 0; background: #fff; }
        .markdown-body { box-sizing: border-box; max-width: 1012px; margin: 0 auto; padding: 32px; color: #1f2328;
          font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; word-wrap: break-word; }
        .markdown-body h1 { font-size: 2em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 0 0 16px; }
        .markdown-body h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 24px 0 16px; }
        .markdown-body table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; margin: 0 0 16px; }
        .markdown-body th, .markdown-body td { border: 1px solid #d1d9e0; padding: 6px 13px; }
        .markdown-body tr:nth-child(2n) { background: #f6f8fa; }
        .markdown-body code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font: 85% ui-monospace, SFMono-Regular, Menlo, monospace; }
        .markdown-body pre { background: #f6f8fa; border-radius: 6px; padding: 16px; overflow: auto; }
        .markdown-body pre code { background: none; padding: 0; }
        .markdown-body details { margin: 0 0 16px; }
        .markdown-body ol, .markdown-body ul { padding-left: 2em; }
        .markdown-body li + li { margin-top: .25em; }
        </style>
        <script src="\(mermaid.absoluteString)"></script>
        </head><body><article class="markdown-body">
        \(body)
        </article>
        <script>
        (async function () {
          const out = { mermaidBlocks: 0, mermaidErrors: [], tables: [], text: "" };
          try {
            if (typeof mermaid === "undefined") throw new Error("mermaid.min.js did not load");
            mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
            const blocks = Array.from(document.querySelectorAll("pre > code.language-mermaid"));
            out.mermaidBlocks = blocks.length;
            for (let i = 0; i < blocks.length; i++) {
              const source = blocks[i].textContent;
              try {
                await mermaid.parse(source);
                const { svg } = await mermaid.render("proof-mermaid-" + i, source);
                const figure = document.createElement("div");
                figure.className = "mermaid";
                figure.innerHTML = svg;
                blocks[i].parentElement.replaceWith(figure);
              } catch (error) {
                out.mermaidErrors.push("block " + (i + 1) + ": " + String((error && error.message) || error));
              }
            }
          } catch (error) {
            out.mermaidErrors.push(String((error && error.message) || error));
          }
          for (const table of document.querySelectorAll("article table")) {
            out.tables.push({
              header: table.querySelectorAll("thead th").length,
              rows: Array.from(table.querySelectorAll("tbody tr")).map((row) => row.children.length),
            });
          }
          const article = document.querySelector("article").cloneNode(true);
          article.querySelectorAll("svg").forEach((svg) => svg.remove());
          out.text = article.textContent;
          const pre = document.createElement("pre");
          pre.id = "proof-check";
          pre.style.display = "none";
          pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify(out))));
          document.body.appendChild(pre);
        })();
        </script>
        </body></html>
        """
    }

    static func flags(profile: URL) -> [String] {
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--allow-file-access-from-files",
            "--user-data-dir=\(profile.path)",
        ]
    }

    /// The full path of `name` on `PATH`.
    static func executable(_ name: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ToolError(description: "\(name) is not installed: run scripts/setup.sh (Debian packages chromium and cmark-gfm, PyPI artoo-mermaid)")
    }

    /// Runs `path` with `arguments`; its standard output and error (into a file, so a large DOM never fills a
    /// pipe) and exit status. Killed after `timeout` seconds.
    static func run(_ path: String, _ arguments: [String], timeout: Double) throws -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("proof-browser-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            done.wait()
            throw ToolError(description: "\(URL(fileURLWithPath: path).lastPathComponent) did not finish in \(Int(timeout)) s")
        }
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
