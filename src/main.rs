fn main() {
    std::process::exit(tcscale::cli::main());
}
