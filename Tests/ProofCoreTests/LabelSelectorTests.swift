import ProofCore
import Testing

@Suite("Label selectors")
struct LabelSelectorTests {
    let labels = ["app": "mlflow", "env": "dev", "tier": "core", "rank": "5"]

    @Test("query forms match as Kubernetes defines", arguments: [
        ("", true), ("app=mlflow", true), ("app==mlflow", true), ("app=airflow", false),
        ("app!=airflow", true), ("app!=mlflow", false), ("missing!=x", true),
        ("env in (dev,prod)", true), ("env in (prod)", false), ("env notin (prod)", true), ("env notin (dev, prod)", false),
        ("missing notin (a)", true), ("missing in (a)", false),
        ("app", true), ("missing", false), ("!missing", true), ("!app", false),
        ("app=mlflow,env=dev", true), ("app=mlflow,env=prod", false), ("  app = mlflow , !missing ", true),
        ("rank>4", true), ("rank<5", false), ("app>1", false),
    ])
    func matching(selector: String, expected: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(labels) == expected, "\(selector)")
    }

    @Test("description is the canonical query form, sorted by key")
    func description() throws {
        #expect(try LabelSelector(parsing: "tier==core, app in (b,a,a), !x, env").description == "app in (a,b),env,tier=core,!x")
        #expect(try LabelSelector(parsing: "app.kubernetes.io/name notin (x)").description == "app.kubernetes.io/name notin (x)")
        #expect(try LabelSelector(parsing: "a=").description == "a=")
        let selector = try LabelSelector(parsing: "b!=2,a in (1,2),c")
        #expect(try LabelSelector(parsing: selector.description) == selector)
        #expect(try LabelSelector(parsing: "a==1") == LabelSelector(parsing: "a=1"))
    }

    @Test("syntax and validation errors read like the API server's", arguments: [
        ("app in a", "found 'a', expected: '('"),
        ("app in (a", "found '', expected: ',' or ')'"),
        ("=a", "found '=', expected: !, identifier, or 'end of string'"),
        ("a=b,", "found '', expected: identifier after ','"),
        ("a b", "found 'b', expected: '=', '!=', '==', 'in', 'notin', '>' or '<'"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("a=b=c", "found '=', expected: ',' or 'end of string'"),
        ("-bad=x", "unable to parse requirement: key: Invalid value: \"-bad\": name part must consist of alphanumeric characters"),
        ("app=a$b", "unable to parse requirement: values[0][app]: Invalid value: \"a$b\": a valid label must be an empty string"),
        ("Example.com/x=y", "prefix part a lowercase RFC 1123 subdomain"),
        ("a/b/c", "a qualified name must consist of"),
        ("app in ()", "values set can't be empty"),
        ("rank>x", "the value must be an integer"),
    ])
    func errors(selector: String, fragment: String) {
        let error = #expect(throws: SelectorError.self) { try LabelSelector(parsing: selector) }
        #expect(error?.message.contains(fragment) == true, "\(selector): \(String(describing: error))")
        #expect(error?.selector == selector)
    }

    @Test("long keys and values are refused")
    func lengths() {
        #expect(throws: SelectorError.self) { try LabelSelector(parsing: String(repeating: "a", count: 64)) }
        #expect(throws: SelectorError.self) { try LabelSelector(parsing: "a=" + String(repeating: "b", count: 64)) }
        #expect(throws: Never.self) { try LabelSelector(parsing: "a=" + String(repeating: "b", count: 63)) }
    }

    @Test("JSON LabelSelector: matchLabels and matchExpressions")
    func jsonForm() throws {
        let selector = try LabelSelector(json: json(#"""
        {"matchLabels":{"app":"mlflow"},
         "matchExpressions":[{"key":"env","operator":"In","values":["dev","prod"]},
                             {"key":"tier","operator":"NotIn","values":["edge"]},
                             {"key":"tier","operator":"Exists"},{"key":"gone","operator":"DoesNotExist"}]}
        """#))
        #expect(selector.matches(labels))
        #expect(!selector.matches(["app": "mlflow", "env": "qa", "tier": "core"]))
        #expect(selector.description == "app=mlflow,env in (dev,prod),!gone,tier notin (edge),tier")
        #expect(try LabelSelector(json: json("{}")).matches([:]))
        #expect(try LabelSelector(json: json("{}")).isEverything)
        #expect(try !LabelSelector(json: .null).matches([:]))
        let object = json(#"{"metadata":{"labels":{"app":"mlflow","env":"dev","tier":"core"}}}"#)
        #expect(selector.matches(object: object))
    }

    @Test("JSON LabelSelector errors", arguments: [
        (#"{"matchExpressions":[{"key":"a","operator":"Equals","values":["x"]}]}"#, "\"Equals\" is not a valid label selector operator"),
        (#"{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}"#, "values set can't be empty"),
        (#"{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}"#, "values set must be empty"),
        (#"{"matchLabels":{"a":"b c"}}"#, "a valid label must be"),
        (#"{"matchLabels":{"a":1}}"#, "must be a string"),
        (#"[1]"#, "must be an object"),
    ])
    func jsonErrors(text: String, fragment: String) {
        let error = #expect(throws: SelectorError.self) { try LabelSelector(json: json(text)) }
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error))")
    }
}
