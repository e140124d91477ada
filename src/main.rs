//! The plinth binary: parse arguments, run the command, map the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use plinth::cli::Cli;
use plinth::commands::run;
use plinth::error::Error;
use plinth::sql::limits::STACK_BYTES;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The command runs on a thread with a stack of known size (the main thread's is whatever
    // the system gives), as does every thread of the runtime: deep expression trees, within
    // the limits of `sql::limits`, fit on it.
    let command = std::thread::Builder::new()
        .name("plinth".into())
        .stack_size(STACK_BYTES)
        .spawn(move || command(cli));
    match command.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => {
            eprintln!("error: cannot start the command's thread: {e}");
            ExitCode::from(2)
        }
    }
}

fn command(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_stack_size(STACK_BYTES)
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
