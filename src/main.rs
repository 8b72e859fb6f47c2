fn main() {
    std::process::exit(nixfold::cli::main());
}
