import AssayCore
import AssayTestSupport
import FoundationEssentials
import Reporting
import Testing

@Suite struct HTMLReportTests {
    static var templates: URL { TestPaths.repository.appendingPathComponent("Templates") }

    static func page() async throws -> (String, TemporaryDirectory) {
        let (data, _, dir) = try await fixtureData()
        let report = try RunReport.make(data)
        return (try HTMLReport.render(report, data: data, templates: templates), dir)
    }

    @Test func pageIsSelfContainedAndSampleTextCannotEscapeItsScriptBlock() async throws {
        let (page, _) = try await Self.page()
        #expect(!page.contains("http://") || !page.contains("src=\"http"))
        #expect(!page.contains("<link") && !page.contains(" src="))  // nothing fetched
        #expect(!page.contains("</script><script>alert(1)"))  // the sample's `</script>` stays data
        #expect(page.contains(#"\u003c/script>\u003cscript>alert(1)"#))
        #expect(!page.contains("{{"))  // every template marker filled
        #expect(page.contains("id=\"samples-0\"") && page.contains("id=\"samples-2\""))
    }

    @Test(.enabled(if: Chromium.path != nil, Chromium.missing))
    func chromiumRendersTheNumbersAndThrowsNoScriptError() async throws {
        let (page, dir) = try await Self.page()
        let file = dir.path("report.html")
        try Data(page.utf8).write(to: URL(fileURLWithPath: file))
        let (dom, log) = try await Chromium.dumpDOM("file://\(file)#task=Fix/0")
        #expect(dom.contains("data-rendered=\"1\""), "the script did not finish: \(log.suffix(2000))")
        #expect(!dom.contains("data-script-errors=\"1\""), "\(dom.prefix(3000))")
        #expect(Chromium.scriptErrors(in: log).isEmpty, "\(Chromium.scriptErrors(in: log))")
        #expect(dom.contains("0.3333") && dom.contains("pass@1"))
        #expect(dom.components(separatedBy: "<tr data-task=").count - 1 == 3)  // the task table, drawn by the script
        #expect(dom.contains("Fix/0: 1 of 2 passed"))  // the task opened from the URL
        #expect(dom.components(separatedBy: "class=\"sample\"").count - 1 == 2)
        #expect(dom.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))  // shown as code, not run
        #expect(dom.contains("assert candidate(2, 3) == 5"))  // the failing test
    }

    @Test(.enabled(if: Chromium.path != nil, Chromium.missing))
    func aBrokenScriptIsCaught() async throws {
        // The check above can fail: a page whose script throws is reported.
        let dir = try TemporaryDirectory()
        let file = dir.path("broken.html")
        try Data("<html><body><script>undefinedFunction();</script></body></html>".utf8).write(to: URL(fileURLWithPath: file))
        let (_, log) = try await Chromium.dumpDOM("file://\(file)")
        #expect(!Chromium.scriptErrors(in: log).isEmpty, "\(log)")
    }
}

extension String {
    func components(separatedBy separator: String) -> [Substring] {
        split(separator: separator, omittingEmptySubsequences: false)
    }
}
