//! The plinth binary: parse arguments, run the command, map the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use plinth::cli::Cli;
use plinth::commands::run;
use plinth::error::Error;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let result = runtime.block_on(run(cli, &mut stdout.lock(), &mut stderr.lock()));
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_code() as u8),
        Err(e) => {
            let mut err = std::io::stderr().lock();
            let _ = match &e {
                Error::At { .. } => writeln!(err, "{e}"),
                _ => writeln!(err, "error: {e}"),
            };
            ExitCode::from(2)
        }
    }
}
