//! Writing to stdout without panicking when the reader goes away (`buildmedic kinds | head`).

use std::io::Write;

/// Writes `s` to stdout. A closed pipe ends the process quietly with exit code 0, as for any
/// Unix filter; other write errors end it with exit code 2.
pub fn emit(s: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("buildmedic: cannot write to stdout: {e}");
        std::process::exit(2);
    }
}

/// `println!` through [`emit`].
macro_rules! outln {
    () => { $crate::output::emit("\n") };
    ($($arg:tt)*) => { $crate::output::emit(&format!("{}\n", format_args!($($arg)*))) };
}
pub(crate) use outln;
