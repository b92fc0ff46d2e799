//! `goalstream catalog`: validates the catalog, lists its goals and mappings, and with
//! `--try FILE.jsonl` shows what each line of a file becomes.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::catalog::mapping::{
    AvroSource, Condition, Format, Scalar, Source, StatKind, Test, Wire,
};
use crate::catalog::{Catalog, Mapping};
use crate::ingest::event::DEFAULT_MAX_PAYLOAD_BYTES;
use crate::ingest::record::decode_event;

/// Options of `goalstream catalog`.
#[derive(Debug, Clone, Args)]
pub struct CatalogArgs {
    /// JSON-lines file: print what each line becomes (stat updates, or the dead letter's
    /// reason) instead of the summary.
    #[arg(long = "try", value_name = "FILE.jsonl")]
    pub try_file: Option<PathBuf>,
    /// With --try: read the lines as events of this topic, through its mapping (default: the
    /// built-in shape).
    #[arg(long)]
    pub topic: Option<String>,
}

/// `goalstream catalog`: validates the catalog and prints its goals and mappings, or tries a
/// file against them.
pub fn run(path: &Path, args: &CatalogArgs) -> anyhow::Result<()> {
    let catalog = super::load_catalog(path)?;
    match &args.try_file {
        Some(file) => try_file(&catalog, file, args.topic.as_deref().unwrap_or("")),
        None => {
            summary(&catalog, path);
            Ok(())
        }
    }
}

fn summary(catalog: &Catalog, path: &Path) {
    println!(
        "{}: {} challenges, {} goals",
        path.display(),
        catalog.challenges().len(),
        catalog.goals().len()
    );
    for challenge in catalog.challenges() {
        println!("  {} ({})", challenge.challenge_id, challenge.name);
        for goal in challenge.goals.iter().map(|g| &catalog.goals()[*g]) {
            println!(
                "    {:<22} {:<9} {:>6} on {:<15} rotation {:?}{}",
                goal.goal_id,
                format!("{:?}", goal.mode).to_lowercase(),
                goal.target,
                goal.stat_code,
                goal.rotation,
                if goal.default_assigned { ", default" } else { "" }
            );
        }
    }
    println!("mappings (other topics: the built-in shape event_id, user_id, stat_code, value|delta, ts):");
    for mapping in catalog.mappings().all() {
        print_mapping(mapping, catalog.mappings().format_of(&mapping.topic));
    }
}

fn print_mapping(m: &Mapping, format: &Format) {
    println!("  topic {}{}", m.topic, when(&m.when, " when "));
    match format {
        Format::Json => {}
        Format::Protobuf(proto) => {
            let wire = if proto.wire == Wire::Confluent { ", Confluent-framed" } else { "" };
            println!("    format     protobuf {}{wire}", proto.message.full_name());
        }
        Format::Avro(avro) => match &avro.source {
            AvroSource::Registry(registry) => {
                println!("    format     avro, schemas by id from the registry {}", registry.url());
            }
            AvroSource::File(schema) => {
                let wire = if avro.wire == Wire::Confluent { ", Confluent-framed" } else { "" };
                println!("    format     avro {} (schema file){wire}", schema.name());
            }
        },
    }
    println!("    player_id  {}", m.player_id);
    match &m.event_id {
        Some(p) => println!("    event_id   {p}"),
        None => println!("    event_id   (topic/partition/offset)"),
    }
    if let Some((p, format)) = &m.timestamp {
        println!("    timestamp  {p} ({})", format.name());
    }
    for stat in &m.stats {
        let source = match &stat.source {
            Source::Path(p) => p.to_string(),
            Source::Constant(n) => n.to_string(),
        };
        let op = if stat.kind == StatKind::Delta { "+=" } else { "=" };
        let optional = if stat.optional { " (optional)" } else { "" };
        println!(
            "    {:<18} {op} {source}{optional}{}",
            stat.stat_code,
            when(&stat.when, " when ")
        );
    }
}

fn when(conditions: &[Condition], prefix: &str) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = conditions
        .iter()
        .map(|c| match &c.test {
            Test::Exists(true) => format!("{} exists", c.path),
            Test::Exists(false) => format!("{} absent", c.path),
            Test::Equals(Scalar::Str(s)) => format!("{} == {s:?}", c.path),
            Test::Equals(Scalar::Int(n)) => format!("{} == {n}", c.path),
            Test::Equals(Scalar::Bool(b)) => format!("{} == {b}", c.path),
        })
        .collect();
    format!("{prefix}{}", parts.join(" and "))
}

fn try_file(catalog: &Catalog, file: &Path, topic: &str) -> anyhow::Result<()> {
    let reader = std::io::BufReader::new(
        std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?,
    );
    let shape = match catalog.mappings().of(topic) {
        Some(_) => format!("topic {topic}'s mapping"),
        None => "the built-in shape".to_string(),
    };
    println!("{}: read with {shape}", file.display());
    for (number, line) in reader.split(b'\n').enumerate() {
        let mut line = line?;
        while line.last().is_some_and(|b| *b == b'\r') {
            line.pop();
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let shown = match decode_event(catalog, topic, &line, DEFAULT_MAX_PAYLOAD_BYTES) {
            Err(reason) => format!("dead letter: {reason}"),
            Ok(Some(m)) if !m.stats.is_empty() => {
                let stats: Vec<String> = m
                    .stats
                    .iter()
                    .flat_map(|s| {
                        let code = catalog.stat_code(s.stat);
                        let value = s.value.map(|v| format!("{code} = {v}"));
                        let delta = s.delta.map(|d| format!("{code} += {d}"));
                        value.into_iter().chain(delta)
                    })
                    .collect();
                let id = m.event_id.map(|id| format!(", event {id}")).unwrap_or_default();
                let ts = m.ts.map(|ts| format!(", at {}", ts.to_rfc3339())).unwrap_or_default();
                format!("player {}{id}{ts}: {}", m.user_id, stats.join(", "))
            }
            Ok(_) => "no update (no mapping takes it, or it updates no stat a goal reads)".into(),
        };
        println!("line {}: {shown}", number + 1);
    }
    Ok(())
}
