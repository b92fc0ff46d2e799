//! The service in-process: the same `App` as `main`, configured from a command line as the
//! binary parses it, on a test schema, listening on 127.0.0.1:0.

use std::sync::Arc;

use clap::Parser;
use goalstream::app::{App, Listeners, Running};
use goalstream::catalog::Catalog;
use goalstream::cli::{Cli, Command};

use super::TestDb;

/// `goalstream run ARGS` on `db`'s schema with the example catalog, its operations routes and
/// the REST API each on a listener of its own on 127.0.0.1:0.
pub async fn start_run(db: &TestDb, args: &[&str]) -> Running {
    let argv = ["goalstream", "run"].into_iter().chain(args.iter().copied());
    let cli = Cli::try_parse_from(argv).expect("valid flags");
    let Command::Run(run) = cli.command else { unreachable!("parsed as run") };
    let catalog = Arc::new(Catalog::from_json(goalstream::catalog::EXAMPLE).unwrap());
    let config = run.app_config(db.config.clone(), catalog).expect("valid settings");
    let ops = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = match config.api {
        Some(_) => Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()),
        None => None,
    };
    App::new(config).start(Listeners { ops: Some(ops), api }).await.expect("run starts")
}
