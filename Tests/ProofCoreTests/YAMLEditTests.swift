import ProofCore
import Testing

/// `YAML.replacingScalar`: the git step's in-place edit keeps everything a person wrote around the value.
@Suite struct YAMLEditTests {
    static let file = """
        # FastAPI of dev: bump the image here.
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: first}
        ---
        apiVersion: apps/v1   # the workload
        kind: Deployment
        metadata:
          name: fastapi
        spec:
          replicas: 1 # one is enough in dev
          template:
            spec:
              containers:
                - name: app
                  image: ghcr.io/example/mlp-fastapi:1.0.0  # pinned
                  env: [{name: MODEL_ALIAS, value: 'champion'}, {name: DEBUG, value: "no"}]

        """

    @Test func aPlainScalarIsReplacedAndCommentsStay() throws {
        let edited = try #require(YAML.replacingScalar(
            in: Self.file, document: 1, path: ["spec", "template", "spec", "containers", "0", "image"],
            with: "ghcr.io/example/mlp-fastapi:1.1.0"))
        #expect(edited == Self.file.replacingOccurrences(of: "mlp-fastapi:1.0.0  # pinned", with: "mlp-fastapi:1.1.0  # pinned"))
    }

    @Test func numbersAndQuotedScalarsKeepTheirStyle() throws {
        let replicas = try #require(YAML.replacingScalar(in: Self.file, document: 1, path: ["spec", "replicas"], with: 3))
        #expect(replicas.contains("replicas: 3 # one is enough in dev"))
        let alias = try #require(YAML.replacingScalar(
            in: Self.file, document: 1, path: ["spec", "template", "spec", "containers", "0", "env", "0", "value"], with: "challenger"))
        #expect(alias.contains("{name: MODEL_ALIAS, value: 'challenger'}"))
        let debug = try #require(YAML.replacingScalar(
            in: Self.file, document: 1, path: ["spec", "template", "spec", "containers", "0", "env", "1", "value"], with: "it's \"on\""))
        #expect(debug.contains(#"{name: DEBUG, value: "it's \"on\""}"#))
        #expect(try YAML.decodeAll(debug)[1][path: ["spec", "template", "spec", "containers"]]?[0]?["env"]?[1]?["value"] == "it's \"on\"")
    }

    @Test func aStringThatWouldReadAsAnotherTypeIsQuoted() throws {
        let edited = try #require(YAML.replacingScalar(in: Self.file, document: 0, path: ["metadata", "name"], with: "true"))
        #expect(edited.contains(#"metadata: {name: "true"}"#))
    }

    @Test func whatCannotBeDoneInPlaceIsNil() {
        #expect(YAML.replacingScalar(in: Self.file, document: 1, path: ["spec", "missing"], with: 1) == nil, "a new key")
        #expect(YAML.replacingScalar(in: Self.file, document: 1, path: ["spec", "template"], with: 1) == nil, "a mapping")
        #expect(YAML.replacingScalar(in: Self.file, document: 1, path: ["spec", "replicas"], with: ["a": 1]) == nil, "not a scalar")
        #expect(YAML.replacingScalar(in: Self.file, document: 2, path: ["kind"], with: "x") == nil, "no such document")
        #expect(YAML.replacingScalar(in: "a: |\n  text\n", document: 0, path: ["a"], with: "y") == nil, "a block scalar")
    }
}
