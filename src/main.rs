// rowan allocates a node per tree element and rules walk trees many times:
// mimalloc's per-thread free lists make that markedly cheaper than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(nixfold::cli::main());
}
