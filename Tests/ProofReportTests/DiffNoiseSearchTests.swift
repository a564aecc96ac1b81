import ProofCore
import Testing

@testable import ProofReport

/// The noise rules' string rewriting: a byte search gates Foundation's replace.
@Suite("Diff noise: needle search")
struct DiffNoiseSearchTests {
    /// The byte search that lets the noise rules skip Foundation's replace on strings without a match.
    @Test func theNeedleSearchFindsBytesAnywhereAndOnlyThere() {
        #expect(DiffNoise.occurs("kube-api-access-", in: "kube-api-access-x7k2p"))
        #expect(DiffNoise.occurs("x7k2p", in: "prefix-x7k2p-suffix"))
        #expect(DiffNoise.occurs("p", in: "x7k2p"))
        #expect(DiffNoise.occurs("", in: "anything") && DiffNoise.occurs("", in: ""))
        #expect(!DiffNoise.occurs("x7k2q", in: "prefix-x7k2p-suffix"))
        #expect(!DiffNoise.occurs("longer than the text", in: "short"))
        #expect(!DiffNoise.occurs("a", in: ""))
        #expect(DiffNoise.occurs("é-7f9c", in: "pod-é-7f9c") && !DiffNoise.occurs("e-7f9c", in: "pod-é-7f9c"))
        // What the search gates: the normalised object is the same as without it.
        let noise = DiffNoise()
        let pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "api-7f9c8d6b5-x2k9q", "generateName": "api-7f9c8d6b5-", "labels": ["pod-template-hash": "7f9c8d6b5"]],
            "spec": ["volumes": [["name": "kube-api-access-abcde"]], "hostname": "api-7f9c8d6b5-x2k9q", "note": "no match here"],
        ]
        let normalized = noise.normalize(pod)
        #expect(normalized[path: ["spec", "hostname"]]?.stringValue == "api-*-*")
        #expect(normalized[path: ["spec", "volumes"]]?.arrayValue?.first?["name"]?.stringValue == "kube-api-access-*")
        #expect(normalized[path: ["spec", "note"]]?.stringValue == "no match here")
    }
}
