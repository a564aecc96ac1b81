import ProofCore
import Testing

@Suite("Field selectors")
struct FieldSelectorTests {
    let pod = json(#"{"kind":"Pod","metadata":{"name":"loki-0","namespace":"baseline-dev"},"spec":{"nodeName":"kind-worker","serviceAccountName":"loki"},"status":{"phase":"Running"}}"#)

    @Test("terms match by dotted path", arguments: [
        ("", true), ("metadata.name=loki-0", true), ("metadata.name==loki-0", true), ("metadata.name!=loki-0", false),
        ("metadata.namespace=baseline-dev,status.phase=Running", true), ("status.phase=Running,spec.nodeName=other", false),
        ("spec.nodeName!=", true), ("status.podIP=", true), ("spec.hostNetwork=false", true),
    ])
    func matching(selector: String, expected: Bool) throws {
        #expect(try FieldSelector(parsing: selector).matches(pod) == expected, "\(selector)")
    }

    @Test("escaped values and description round trip")
    func escaping() throws {
        let selector = try FieldSelector(parsing: #"metadata.name=a\,b\=c\\d,type!=x"#)
        #expect(selector.terms == [
            .init(field: "metadata.name", value: #"a,b=c\d"#), .init(field: "type", negated: true, value: "x"),
        ])
        #expect(selector.description == #"metadata.name=a\,b\=c\\d,type!=x"#)
        #expect(try FieldSelector(parsing: selector.description) == selector)
        #expect(selector.matches(json(#"{"metadata":{"name":"a,b=c\\d"},"type":"y"}"#)))
    }

    @Test("parse errors")
    func parseErrors() {
        var error = #expect(throws: SelectorError.self) { try FieldSelector(parsing: "metadata.name") }
        #expect(error?.message == "invalid selector: 'metadata.name'; can't understand 'metadata.name'")
        error = #expect(throws: SelectorError.self) { try FieldSelector(parsing: #"a=b\x"#) }
        #expect(error?.message.contains("invalid escape sequence") == true)
    }

    @Test("per-kind support and the API server's 400 wording")
    func validation() throws {
        try FieldSelector(parsing: "spec.nodeName=n,status.phase=Running,spec.serviceAccountName=x").validate(kind: "Pod")
        try FieldSelector(parsing: "involvedObject.kind=Pod,involvedObject.name=a,involvedObject.namespace=b,involvedObject.uid=c,reason=d,type=Normal").validate(kind: "Event")
        try FieldSelector(parsing: "type=Opaque").validate(kind: "Secret")
        try FieldSelector(parsing: "spec.unschedulable=false").validate(kind: "Node")
        try FieldSelector(parsing: "metadata.name=x,metadata.namespace=y").validate(kind: "Application")
        let error = #expect(throws: SelectorError.self) { try FieldSelector(parsing: "metadata.name=x,spec.foo=y").validate(kind: "Pod") }
        #expect(error?.message == "field label not supported: spec.foo")
        #expect(throws: SelectorError.self) { try FieldSelector(parsing: "status.phase=Running").validate(kind: "Deployment") }
    }

    @Test("values of other types and defaults")
    func fieldValues() {
        let node = json(#"{"spec":{}}"#)
        #expect(FieldSelector.fieldValue("spec.unschedulable", in: node) == "false")
        #expect(FieldSelector.fieldValue("spec.unschedulable", in: json(#"{"spec":{"unschedulable":true}}"#)) == "true")
        #expect(FieldSelector.fieldValue("status.replicas", in: json(#"{"status":{"replicas":3}}"#)) == "3")
        #expect(FieldSelector.fieldValue("source", in: json(#"{"source":{"component":"kubelet"}}"#)) == "kubelet")
    }
}
