//! `goalstream catalog`: validates the catalog and lists its goals.

use std::path::Path;

/// `goalstream catalog`: validates the catalog and prints its goals.
pub fn run(path: &Path) -> anyhow::Result<()> {
    let catalog = super::load_catalog(path)?;
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
    Ok(())
}
