//! The dead-letters page: refused events listed by topic, reason and time (keyset pages), one
//! letter with its payload, and replay (`ingest::dead_letter_replay`, at most once, the outcome
//! recorded on the letter) or discard of one letter or a selection.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;

use super::form::{input, select, LetterQuery, Listed};
use super::layout::{self, csrf_field, esc, time, Nav};
use super::session::Session;
use super::{UiError, UiState};
use crate::ingest::dead_letter_replay;
use crate::store::dead_letter_admin::{self, DeadLetterRecord};

/// Letters per page.
const PAGE: i64 = 50;
/// Longest reason shown in the list.
const REASON_CHARS: usize = 100;
/// Most letters one action takes.
const MAX_SELECTION: usize = 1_000;

/// `GET /ui/dead-letters`.
pub async fn page(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Query(query): Query<Listed<LetterQuery>>,
) -> Result<Html<String>, UiError> {
    let filter = query.filter.filter()?;
    let before = query.cursor()?;
    let client = state.client().await?;
    let letters = dead_letter_admin::page(&client, &filter, before, PAGE).await?;
    let q = &query.filter;
    let replayed = [("", "any"), ("no", "never replayed"), ("yes", "replayed")];
    let mut body = format!(
        r#"<form method="get" action="/ui/dead-letters" class="filters" id="letter-filters">{}{}{}{}{}<button type="submit">Filter</button> <a href="/ui/dead-letters">Clear</a></form>"#,
        input("topic", "Topic", &q.topic, ""),
        input("reason", "Reason contains", &q.reason, ""),
        input("since", "Since", &q.since, "15m or 2026-01-02T03:04"),
        input("until", "Until", &q.until, "RFC 3339 or age"),
        select("replayed", "Replay", &replayed, &q.replayed),
    );
    body.push_str(&format!(
        r#"<form method="post" action="/ui/dead-letters/action" id="letters">{}<table><thead><tr><th><input type="checkbox" id="select-all" aria-label="select all"></th><th class="num">id</th><th>topic</th><th class="num">partition</th><th class="num">offset</th><th>written</th><th>reason</th><th>replay</th></tr></thead><tbody>"#,
        csrf_field(&session)
    ));
    if letters.is_empty() {
        body.push_str(r#"<tr><td colspan="8">No dead letters match.</td></tr>"#);
    }
    for l in &letters {
        let reason: String = l.reason.chars().take(REASON_CHARS).collect();
        body.push_str(&format!(
            r#"<tr data-id="{id}"><td><input type="checkbox" name="id" value="{id}" aria-label="select {id}"></td><td class="num"><a href="/ui/dead-letters/{id}">{id}</a></td><td>{topic}</td><td class="num">{partition}</td><td class="num">{offset}</td><td>{written}</td><td class="error">{reason}</td><td class="outcome">{outcome}</td></tr>"#,
            id = l.id,
            topic = esc(l.topic.as_deref().unwrap_or("")),
            partition = l.partition.map(|p| p.to_string()).unwrap_or_default(),
            offset = l.offset.map(|o| o.to_string()).unwrap_or_default(),
            written = time(Some(l.created_at)),
            reason = esc(reason),
            outcome = esc(l.replay_outcome.as_deref().unwrap_or("")),
        ));
    }
    body.push_str(r#"</tbody></table><p class="actions"><button type="submit" name="action" value="replay" id="replay-selected">Replay selected</button> <button type="submit" name="action" value="discard" class="danger">Discard selected</button></p></form>"#);
    if let (Some(last), true) = (letters.last(), letters.len() as i64 == PAGE) {
        let href = format!("/ui/dead-letters?{}&before={}", q.query_string(), last.id);
        body.push_str(&format!(
            r#"<p class="pager"><a href="{}" rel="next">Older →</a></p>"#,
            esc(href)
        ));
    }
    Ok(layout::page("Dead letters", Some(Nav::DeadLetters), &session, &body))
}

/// `GET /ui/dead-letters/{id}`: one letter and its payload.
pub async fn letter(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> Result<Html<String>, UiError> {
    let client = state.client().await?;
    let letter = dead_letter_admin::get(&client, id)
        .await?
        .ok_or_else(|| UiError::NotFound(format!("no dead letter {id}")))?;
    let csrf = csrf_field(&session);
    let body = format!(
        r#"<form method="post" action="/ui/dead-letters/action" class="actions">{csrf}<input type="hidden" name="id" value="{id}"><button type="submit" name="action" value="replay" id="replay">Replay</button> <button type="submit" name="action" value="discard" class="danger">Discard</button></form>{fields}<h2>Payload ({bytes} bytes, {encoding})</h2><pre id="payload">{payload}</pre>"#,
        fields = fields(&letter),
        bytes = letter.payload.len(),
        encoding = if std::str::from_utf8(&letter.payload).is_ok() { "UTF-8" } else { "hex" },
        payload = esc(payload_text(&letter.payload)),
    );
    Ok(layout::page(&format!("Dead letter {id}"), Some(Nav::DeadLetters), &session, &body))
}

fn fields(l: &DeadLetterRecord) -> String {
    let rows = [
        ("topic", esc(l.topic.as_deref().unwrap_or(""))),
        ("partition", l.partition.map(|p| p.to_string()).unwrap_or_default()),
        ("offset", l.offset.map(|o| o.to_string()).unwrap_or_default()),
        ("key", l.key.as_deref().map(hex).unwrap_or_default()),
        ("reason", esc(&l.reason)),
        ("written", time(Some(l.created_at))),
        ("replayed", time(l.replayed_at)),
        ("replay outcome", esc(l.replay_outcome.as_deref().unwrap_or(""))),
    ];
    let rows: String = rows
        .iter()
        .map(|(name, value)| {
            format!(r#"<tr><th>{name}</th><td id="f-{}">{value}</td></tr>"#, name.replace(' ', "-"))
        })
        .collect();
    format!(r#"<table class="fields"><tbody>{rows}</tbody></table>"#)
}

/// The payload as text when it is UTF-8 (pretty when it is JSON), else hex.
fn payload_text(payload: &[u8]) -> String {
    match std::str::from_utf8(payload) {
        Ok(text) => serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| text.to_string()),
        Err(_) => hex(payload),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /ui/dead-letters/action`: `action=replay|discard` with one `id` field per letter.
pub async fn action(
    State(state): State<UiState>,
    Extension(session): Extension<Session>,
    body: Bytes,
) -> Result<Response, UiError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| UiError::BadRequest(format!("unreadable form: {e}")))?;
    let action = fields.iter().find(|(n, _)| n == "action").map(|(_, v)| v.as_str()).unwrap_or("");
    let ids = fields
        .iter()
        .filter(|(n, _)| n == "id")
        .map(|(_, v)| v.parse::<i64>().map_err(|_| UiError::BadRequest(format!("id {v:?}"))))
        .collect::<Result<Vec<i64>, UiError>>()?;
    if ids.is_empty() {
        return Err(UiError::BadRequest("select at least one dead letter".into()));
    }
    if ids.len() > MAX_SELECTION {
        return Err(UiError::BadRequest(format!("at most {MAX_SELECTION} letters at once")));
    }
    let mut client = state.client().await?;
    let (message, back) = match action {
        "discard" => {
            let gone = dead_letter_admin::discard(&client, &ids).await?;
            (format!("discarded {} dead letter(s)", gone.len()), "/ui/dead-letters".to_string())
        }
        "replay" => {
            let mut outcomes = Vec::new();
            for &id in &ids {
                let outcome = match dead_letter_replay::replay(
                    &state.progress,
                    &state.catalog,
                    &mut client,
                    id,
                )
                .await
                {
                    Ok(outcome) => outcome,
                    Err(error) => format!("error, not applied: {error}"),
                };
                outcomes.push(format!("dead letter {id}: {outcome}"));
            }
            let back = match ids[..] {
                [one] => format!("/ui/dead-letters/{one}"),
                _ => "/ui/dead-letters".to_string(),
            };
            (outcomes.join("\n"), back)
        }
        other => return Err(UiError::BadRequest(format!("no dead-letter action {other:?}"))),
    };
    tracing::info!(who = %session.who, %action, letters = ids.len(), "operator UI dead-letter action");
    session.flash(&state, message);
    Ok(Redirect::to(&back).into_response())
}
