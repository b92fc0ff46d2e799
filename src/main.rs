//! The `goalstream` binary: parse the command line, set up logging, run the subcommand.

use std::process::ExitCode;

use clap::Parser;
use goalstream::cli::{BenchCommand, Cli, Command};
use goalstream::{app, bench, commands, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Migrate => app::migrate(&cli.global.database_url).await,
        Command::Catalog => app::check_catalog(&cli.global.catalog),
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
