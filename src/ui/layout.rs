//! The page frame every page shares, HTML escaping, and the security headers of every UI
//! response. Every text that comes from the database or the request goes through [`esc`].

use std::fmt::Display;

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, Response};
use chrono::{DateTime, Utc};

use super::session::Session;

/// Scripts, styles and images from the UI's own `/ui/static` only; no inline script or style,
/// no framing, forms only to the UI itself.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The pages of the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// Queues.
    Queues,
    /// Jobs.
    Jobs,
    /// Dead letters.
    DeadLetters,
    /// Players.
    Players,
    /// Live pipeline.
    Pipeline,
}

const NAV: &[(Nav, &str, &str)] = &[
    (Nav::Queues, "/ui/queues", "Queues"),
    (Nav::Jobs, "/ui/jobs", "Jobs"),
    (Nav::DeadLetters, "/ui/dead-letters", "Dead letters"),
    (Nav::Players, "/ui/players", "Players"),
    (Nav::Pipeline, "/ui/pipeline", "Pipeline"),
];

/// `text` escaped for HTML text and quoted attribute values.
pub fn esc(text: impl Display) -> String {
    let text = text.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A time as the pages show it (UTC, seconds), or an empty cell.
pub fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
}

/// The hidden field every form of the session carries.
pub fn csrf_field(session: &Session) -> String {
    format!(r#"<input type="hidden" name="csrf" value="{}">"#, esc(&session.csrf))
}

/// A whole page: head, navigation, the flash message, `body` (already escaped HTML).
pub fn page(title: &str, nav: Option<Nav>, session: &Session, body: &str) -> Html<String> {
    let links: String = NAV
        .iter()
        .map(|(item, href, label)| {
            let current = if Some(*item) == nav { r#" aria-current="page""# } else { "" };
            format!(r#"<a href="{href}"{current}>{label}</a>"#)
        })
        .collect();
    let flash = session
        .flash
        .as_ref()
        .map(|text| format!(r#"<p class="flash" role="status">{}</p>"#, esc(text)))
        .unwrap_or_default();
    let logout = if session.csrf.is_empty() {
        String::new()
    } else {
        format!(
            r#"<form method="post" action="/ui/logout" class="logout">{}<button type="submit">Log out</button></form>"#,
            csrf_field(session)
        )
    };
    Html(format!(
        r#"{head}<header><a class="brand" href="/ui/queues">goalstream</a><nav>{links}</nav><span class="who">{who}</span>{logout}</header>
<main><h1>{title}</h1>{flash}
{body}</main></body></html>"#,
        head = head(title),
        who = esc(&session.who),
        title = esc(title),
    ))
}

fn head(title: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} · goalstream</title><link rel="icon" href="/ui/static/icon.svg" type="image/svg+xml"><link rel="stylesheet" href="/ui/static/ui.css"><script src="/ui/static/ui.js" defer></script></head><body>"#,
        esc(title)
    )
}

/// The login form, with why the last attempt failed.
pub fn login_page(error: Option<&str>) -> Html<String> {
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, esc(e)))
        .unwrap_or_default();
    Html(format!(
        r#"{head}<main class="login"><h1>goalstream operator console</h1>{error}<form method="post" action="/ui/login"><label>API key with the admin scope <input type="password" name="key" autocomplete="current-password" required autofocus></label><button type="submit">Log in</button></form></main></body></html>"#,
        head = head("Log in"),
    ))
}

/// A page saying what went wrong.
pub fn error_page(status: StatusCode, message: &str) -> Html<String> {
    Html(format!(
        r#"{head}<main><h1>{status}</h1><p class="error" role="alert">{message}</p><p><a href="/ui/queues">Back to the console</a></p></main></body></html>"#,
        head = head(status.canonical_reason().unwrap_or("Error")),
        status = esc(status),
        message = esc(message),
    ))
}

/// Adds the security headers to every UI response.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests;
