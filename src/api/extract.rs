//! Extractors whose rejections are [`ApiError`]s with a code: a JSON body ([`Body`]) and path
//! parameters ([`Params`]); and the checks on ids.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

use super::error::{ApiError, ErrorCode};
use crate::catalog::{check_external_id, MAX_ID_LEN};

/// A JSON request body (`Content-Type: application/json`), at most the configured body limit.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(body_error(&rejection)),
        }
    }
}

fn body_error(rejection: &JsonRejection) -> ApiError {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::JsonSyntaxError(_) => ApiError::new(ErrorCode::InvalidJson, text),
        JsonRejection::JsonDataError(_) => ApiError::new(ErrorCode::InvalidBody, text),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "the body must be JSON with Content-Type: application/json",
        ),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(ErrorCode::BodyTooLarge, "the request body is over the size limit")
        }
        _ => ApiError::new(ErrorCode::InvalidBody, text),
    }
}

/// Path parameters.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Params(value)),
            Err(rejection) => Err(path_error(&rejection)),
        }
    }
}

fn path_error(rejection: &PathRejection) -> ApiError {
    ApiError::new(ErrorCode::InvalidPath, rejection.body_text())
}

/// A player id: 1 to [`MAX_ID_LEN`] characters, not blank, no control character (the ids
/// events carry; [`check_external_id`] is the one rule for every id from outside).
pub fn check_user_id(user_id: &str) -> Result<(), ApiError> {
    check_path_id(user_id, "user id", ErrorCode::InvalidUserId)
}

/// A goal id from a path: the rule of [`check_user_id`].
pub fn check_goal_id(goal_id: &str) -> Result<(), ApiError> {
    check_path_id(goal_id, "goal id", ErrorCode::InvalidGoalId)
}

fn check_path_id(id: &str, what: &str, code: ErrorCode) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(ApiError::new(code, format!("the {what} must not be empty")));
    }
    check_external_id(id, MAX_ID_LEN)
        .map_err(|problem| ApiError::new(code, format!("the {what} {problem}")))
}

/// A job id: a positive integer.
pub fn parse_job_id(text: &str) -> Result<i64, ApiError> {
    match text.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ApiError::new(
            ErrorCode::InvalidJobId,
            format!("job id must be a positive integer, got {text:?}"),
        )),
    }
}
