use linger::{cli, commands};
use std::io::{self, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut out = io::stdout().lock();
    let result =
        cli::parse(std::env::args_os().skip(1)).and_then(|c| commands::dispatch(c, &mut out));
    match result {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(io::stderr(), "linger: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
