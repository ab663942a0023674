import Testing
@testable import TarmacCLI

@Suite struct TableRendererTests {
    @Test func alignsColumns() {
        let table = TableRenderer.render(
            headers: ["ID", "NAME", "STATE"],
            rows: [["1857156b526dd8", "aged-wind-2649", "started"], ["ab", "x", ""]])
        #expect(table == """
            ID              NAME            STATE
            1857156b526dd8  aged-wind-2649  started
            ab              x
            """)
    }

    @Test func shortRowsAndNoRows() {
        #expect(TableRenderer.render(headers: ["A", "B"], rows: []) == "A  B")
        #expect(TableRenderer.render(headers: ["A", "B", "C"], rows: [["1"]]) == "A  B  C\n1")
        #expect(TableRenderer.render(headers: ["A"], rows: [["x", "extra"]]) == "A\nx  extra")
    }

    @Test func keyValues() {
        let text = TableRenderer.keyValues([("ID", "abc"), ("Private IP", "fdaa::2"), ("Empty", "")])
        #expect(text == """
            ID:         abc
            Private IP: fdaa::2
            Empty:
            """)
    }
}
