//! The plinth binary: parse arguments, run the command, map the outcome to an exit code.

#![allow(
    clippy::print_stderr,
    reason = "the binary is the edge: it alone writes to the terminal (the library writes to the writers it is given)"
)]

use std::io::Write;
use std::process::ExitCode;

use plinth::cli::Cli;
use plinth::commands::run;
use plinth::db::url::Secrets;
use plinth::error::Error;
use plinth::limits::{on_big_stack, STACK_BYTES};

fn main() -> ExitCode {
    let cli = match Cli::try_parse_args() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
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
    on_big_stack();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_stack_size(STACK_BYTES)
        .on_thread_start(on_big_stack)
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
                Error::At { .. } | Error::Several(_) => {
                    writeln!(err, "{}", plinth::for_terminal(&e.to_string()))
                }
                _ => writeln!(err, "error: {}", plinth::for_terminal(&e.to_string())),
            };
            ExitCode::from(2)
        }
    }
}

/// Help and version on stdout (exit 0); a usage error on stderr (exit 2), scrubbed of the
/// secrets of every database URL given (clap may quote a misplaced argument back).
fn usage_error(e: &clap::Error) -> ExitCode {
    let mut secrets = Secrets::default();
    if let Ok(url) = std::env::var("DATABASE_URL") {
        secrets.add(&url);
    }
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    for (i, arg) in args.iter().enumerate() {
        if let Some(url) = arg.strip_prefix("--database-url=") {
            secrets.add(url);
        } else if arg == "--database-url" {
            if let Some(url) = args.get(i + 1) {
                secrets.add(url);
            }
        }
    }
    if !e.use_stderr() || secrets.is_empty() {
        let _ = e.print();
    } else {
        let _ = write!(
            std::io::stderr().lock(),
            "{}",
            secrets.scrub(&e.render().to_string())
        );
    }
    ExitCode::from(if e.use_stderr() { 2 } else { 0 })
}
