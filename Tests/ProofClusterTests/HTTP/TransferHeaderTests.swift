import Testing

@testable import ProofCluster

@Suite("Response header lines as libcurl hands them over")
struct TransferHeaderTests {
    @Test("the status line, names lower-cased, values without the whitespace around them, a later response starting over")
    func headerLines() {
        let transfer = Transfer()
        for line in ["HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/2 200 \r\n", "Content-Type: application/json\r\n",
            "X-Spaced:\t  a b \t\r\n", "Empty:\r\n", "no colon here\r\n", "\r\n"]
        {
            transfer.receiveHeader(line)
        }
        #expect(transfer.status == 200)
        #expect(transfer.headers.map(\.name) == ["content-type", "x-spaced", "empty"])
        #expect(transfer.headers.map(\.value) == ["application/json", "a b", ""])
    }

    @Test("trimming takes spaces, tabs, CRs and LFs from both ends and nothing from inside", arguments: [
        (" \t value \r\n", "value"), ("a  b", "a  b"), ("\r\n", ""), ("", ""), ("é \u{00A0}", "é \u{00A0}"),
    ])
    func trimming(input: String, expected: String) {
        #expect(String(Transfer.trimmingSpace(input[...])) == expected)
    }
}
