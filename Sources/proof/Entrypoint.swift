import ProofCommands

/// The executable: everything lives in `ProofCommands` so that commands can be tested in-process.
@main
struct Entrypoint {
    static func main() async {
        await Proof.mainExitingWithProofCodes()
    }
}
