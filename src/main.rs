//! The `goalstream` binary: parse the command line, set up logging, run the subcommand.

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};
use goalstream::cli::{BenchCommand, Cli, Command, ConfigCommand};
use goalstream::{app, commands, config, db, harness, telemetry};

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
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    runtime.block_on(run(cli, matches))
}

async fn run(cli: Cli, matches: ArgMatches) -> ExitCode {
    telemetry::init("info");
    cli.global.db.apply();
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
        Command::Api(args) => {
            commands::api::run(&cli.global.database_url, &cli.global.catalog, args).await
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
            harness::bench::jobs::run(&cli.global.database_url, args).await.map(drop)
        }
        Command::Bench(BenchCommand::Api(args)) => {
            match commands::load_catalog(&cli.global.catalog) {
                Ok(catalog) => harness::bench::api::run(
                    &cli.global.database_url,
                    std::sync::Arc::new(catalog),
                    args,
                )
                .await
                .map(drop),
                Err(error) => Err(error),
            }
        }
        Command::Bench(BenchCommand::Flush(args)) => {
            harness::bench::flush::run(&cli.global.database_url, args).await.map(drop)
        }
        Command::Config(ConfigCommand::Print(args)) => args
            .check()
            .and_then(|()| Ok(db::DbConfig::new(&cli.global.database_url, 1).pg_config()?))
            .map(|_| {
                let root = Cli::command();
                print!("{}", config::print::render(&root, &matches, &["config", "print"]));
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
