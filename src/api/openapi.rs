//! `GET /openapi.json`: the OpenAPI 3.1 description kept in `docs/openapi.json`. A test checks
//! that it lists exactly the routes of [`super::routes`] and the codes of
//! [`super::ErrorCode::ALL`].

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// Serves the document.
pub async fn document() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
