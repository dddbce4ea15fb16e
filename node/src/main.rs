//! The `bansao` binary: parses the command line and maps failures to exit codes.

fn main() -> std::process::ExitCode {
    bansao::cli::main()
}
