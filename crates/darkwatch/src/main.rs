//! The darkwatch binary: everything is in the library ([`darkwatch::run`]).

fn main() -> std::process::ExitCode {
    darkwatch::run()
}
