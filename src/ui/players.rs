//! The players page: what support staff need when a player says a reward did not arrive: the
//! player's goals and progress per period, their reward grants and their reward jobs (the
//! store functions of `goalstream player show`).

use axum::extract::{Query, State};
use axum::response::Html;
use axum::Extension;
use serde::Deserialize;

use super::form::input;
use super::jobs::job_table;
use super::layout::{self, esc, time, Nav};
use super::session::Session;
use super::{UiError, UiState};
use crate::store::{job_console, rewards, user_progress};

/// Reward jobs shown.
const JOBS_SHOWN: i64 = 100;

/// The player looked up.
#[derive(Debug, Default, Deserialize)]
pub struct PlayerQuery {
    #[serde(default)]
    user_id: String,
}

/// `GET /ui/players?user_id=...`.
pub async fn page(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Query(query): Query<PlayerQuery>,
) -> Result<Html<String>, UiError> {
    let user_id = query.user_id.trim();
    let mut body = format!(
        r#"<form method="get" action="/ui/players" class="filters" id="player-form">{}<button type="submit">Look up</button></form>"#,
        input("user_id", "Player id", user_id, "")
    );
    if user_id.is_empty() {
        return Ok(layout::page("Players", Some(Nav::Players), &session, &body));
    }
    let client = state.client().await?;
    let mut progress = user_progress::user_rows(&client, user_id).await?;
    progress.sort_by(|a, b| a.goal_id.cmp(&b.goal_id));
    let grants = rewards::for_player(&client, user_id).await?;
    let jobs = job_console::player_jobs(&client, user_id, JOBS_SHOWN).await?;
    if progress.is_empty() && grants.is_empty() && jobs.is_empty() {
        body.push_str(&format!(
            r#"<p id="no-player">Player {} has no progress, grants or reward jobs.</p>"#,
            esc(user_id)
        ));
        return Ok(layout::page("Players", Some(Nav::Players), &session, &body));
    }
    body.push_str(&format!("<h2>Goals of {}</h2>", esc(user_id)));
    body.push_str(r#"<table id="goals"><thead><tr><th>goal</th><th class="num">progress</th><th>status</th><th>active</th><th>completed</th><th>claimed</th><th>period end</th><th>updated</th></tr></thead><tbody>"#);
    for p in &progress {
        body.push_str(&format!(
            r#"<tr><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&p.goal_id),
            p.progress,
            esc(p.status),
            if p.is_active { "yes" } else { "no" },
            time(p.completed_at),
            time(p.claimed_at),
            time(p.expires_at),
            time(Some(p.updated_at)),
        ));
    }
    body.push_str("</tbody></table><h2>Reward grants</h2>");
    body.push_str(r#"<table id="grants"><thead><tr><th>goal</th><th>period end</th><th>reward</th><th>item</th><th class="num">quantity</th><th>job</th><th>granted</th></tr></thead><tbody>"#);
    if grants.is_empty() {
        body.push_str(r#"<tr><td colspan="7">No reward granted.</td></tr>"#);
    }
    for g in &grants {
        let job =
            g.job_id.map(|id| format!(r#"<a href="/ui/jobs/{id}">{id}</a>"#)).unwrap_or_default();
        body.push_str(&format!(
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td>{job}</td><td>{}</td></tr>"#,
            esc(&g.goal_id),
            time(g.period_end),
            esc(&g.reward_type),
            esc(&g.item_id),
            g.quantity,
            time(Some(g.granted_at)),
        ));
    }
    body.push_str("</tbody></table><h2>Reward jobs</h2>");
    body.push_str(&job_table(&jobs));
    Ok(layout::page("Players", Some(Nav::Players), &session, &body))
}
