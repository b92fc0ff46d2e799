//! The `goalstream` binary: read the configuration file and the command line, set up logging,
//! run the subcommand (each composes the library's parts; the service ones through
//! `app::App`).

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};
use goalstream::cli::{BenchCommand, Cli, Command, ConfigCommand};
use goalstream::config::{self, ConfigFile};
use goalstream::{commands, harness, telemetry};

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let file = match config::path_from(&args) {
        Some(path) => match ConfigFile::load(&path, &config::known_names(&Cli::command())) {
            Ok(file) => Some(file),
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let command = match &file {
        Some(file) => file.apply(Cli::command()),
        None => Cli::command(),
    };
    let matches = command.get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    let runtime = tokio::runtime::Runtime::new().expect("the tokio runtime starts");
    runtime.block_on(run(cli, matches, file))
}

async fn run(cli: Cli, matches: ArgMatches, file: Option<ConfigFile>) -> ExitCode {
    let mut telemetry = cli.global.telemetry();
    if matches!(cli.command, Command::Bench(_) | Command::Load(_)) {
        // A bench or a load run serves thousands of requests a second: one log line each
        // would flood the terminal and cost the run's own CPU. RUST_LOG still overrides.
        telemetry.default_filter.push_str(",goalstream::telemetry::events::http=warn");
    }
    telemetry::init(&telemetry);
    let db = cli.global.db_config();
    // The default catalog path, not given and missing, is the example only for the commands
    // that try goalstream out; a given path must exist.
    let given = matches.value_source("catalog") != Some(clap::parser::ValueSource::DefaultValue);
    let example_ok = matches!(
        cli.command,
        Command::Demo(_)
            | Command::Produce(_)
            | Command::Load(_)
            | Command::Chaos(_)
            | Command::Bench(_)
    );
    let catalog = &match cli.command.reads_synthetic_formats() && !given {
        true => harness::synthetic::format::synthetic_catalog_path(),
        false => commands::resolve_catalog(&cli.global.catalog, given, example_ok),
    };
    let result = match &cli.command {
        Command::Demo(args) => commands::demo::run(&db, catalog, args).await,
        Command::Run(args) => commands::run::run(&db, catalog, args).await,
        Command::Produce(args) => commands::produce::run(catalog, args).await,
        Command::Replay(args) => commands::replay::run(&db, catalog, args).await,
        Command::Api(args) => commands::api::run(&db, catalog, args).await,
        Command::Load(args) => commands::load::run(&db, catalog, args).await,
        Command::Chaos(args) => commands::chaos::run(&db, catalog, args).await,
        Command::ChaosWorker(args) => commands::chaos::worker(&db, args).await,
        Command::ApiKey(args) => commands::api::new_key(args),
        Command::Migrate => commands::migrate::run(&db).await,
        Command::Catalog(args) => commands::catalog::run(catalog, args),
        Command::Jobs(command) => commands::jobs::run(&db, command).await,
        Command::DeadLetters(command) => commands::dead_letters::run(&db, catalog, command).await,
        Command::Player(command) => commands::player::run(&db, command).await,
        Command::Doctor(args) => commands::doctor::run(&db, args).await,
        Command::Bench(BenchCommand::Jobs(args)) => {
            harness::bench::jobs::run(&db, args).await.map(drop)
        }
        Command::Bench(BenchCommand::Api(args)) => match commands::load_catalog(catalog) {
            Ok(catalog) => {
                harness::bench::api::run(&db, std::sync::Arc::new(catalog), args).await.map(drop)
            }
            Err(error) => Err(error),
        },
        Command::Bench(BenchCommand::Console(args)) => {
            harness::bench::console::run(&db, args).await.map(drop)
        }
        Command::Bench(BenchCommand::Scale(args)) => match commands::load_catalog(catalog) {
            Ok(catalog) => {
                harness::bench::scale::run(&db, std::sync::Arc::new(catalog), args).await.map(drop)
            }
            Err(error) => Err(error),
        },
        Command::Bench(BenchCommand::Shards(args)) => match commands::load_catalog(catalog) {
            Ok(catalog) => {
                harness::bench::shards::run(&db, std::sync::Arc::new(catalog), args).await.map(drop)
            }
            Err(error) => Err(error),
        },
        Command::Bench(BenchCommand::Formats(args)) => match commands::load_catalog(catalog) {
            Ok(catalog) => harness::bench::formats::run(&db, std::sync::Arc::new(catalog), args)
                .await
                .map(drop),
            Err(error) => Err(error),
        },
        Command::Bench(BenchCommand::Flush(args)) => {
            harness::bench::flush::run(&db, args).await.map(drop)
        }
        Command::Config(ConfigCommand::Print(args)) => {
            args.check().and_then(|()| Ok(db.pg_config()?)).map(|_| {
                let root = Cli::command();
                let text =
                    config::print::render(&root, &matches, &["config", "print"], file.as_ref());
                print!("{text}");
            })
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
