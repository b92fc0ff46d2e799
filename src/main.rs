//! The `goalstream` binary: parse the command line, set up logging, run the subcommand.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use goalstream::cli::{BenchCommand, Cli, Command};
use goalstream::{app, bench, commands, config, telemetry};

fn main() -> ExitCode {
    // The configuration file sets environment variables, before any thread exists.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(path) = config::path_from(&args) {
        if let Err(error) = config::apply(&path, &config::known_names(&Cli::command())) {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    }
    let runtime = tokio::runtime::Runtime::new().expect("the tokio runtime starts");
    runtime.block_on(run(Cli::parse()))
}

async fn run(cli: Cli) -> ExitCode {
    telemetry::init("info");
    let result = match &cli.command {
        Command::Demo(args) => {
            commands::demo::run(&cli.global.database_url, &cli.global.catalog, args).await
        }
        Command::Run(args) => {
            commands::run::run(&cli.global.database_url, &cli.global.catalog, args).await
        }
        Command::Produce(args) => commands::produce::run(&cli.global.catalog, args).await,
        Command::Replay(args) => {
            commands::replay::run(&cli.global.database_url, &cli.global.catalog, args).await
        }
        Command::Load(args) => {
            commands::load::run(&cli.global.database_url, &cli.global.catalog, args).await
        }
        Command::Chaos(args) => {
            commands::chaos::run(&cli.global.database_url, &cli.global.catalog, args).await
        }
        Command::ChaosWorker(args) => commands::chaos::worker(&cli.global.database_url, args).await,
        Command::Migrate => app::migrate(&cli.global.database_url).await,
        Command::Catalog => app::check_catalog(&cli.global.catalog),
        Command::Bench(BenchCommand::Jobs(args)) => {
            bench::jobs::run(&cli.global.database_url, args).await.map(drop)
        }
        Command::Bench(BenchCommand::Flush(args)) => {
            bench::flush::run(&cli.global.database_url, args).await.map(drop)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
