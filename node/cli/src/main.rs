//! The `bansao` binary: parses the command line and maps failures to exit codes.

/// Automerge documents are many small allocations, loaded and dropped on several threads at
/// once while a ward takes in a kiosk's copies; mimalloc's per-thread heaps do that work for
/// about half of what the system allocator costs (BENCHMARKS.md, `initial_push_10k`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    bansao::cli::main()
}
