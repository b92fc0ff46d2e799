//! API errors: an HTTP status, a machine-readable `code` and a message for people, as
//! `{"code": "...", "message": "..."}`. Every code is listed in [`ErrorCode::ALL`] and in
//! `docs/openapi.json` (a test keeps them equal).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::store::StoreError;

macro_rules! error_codes {
    ($($variant:ident => $code:literal, $status:ident;)*) => {
        /// What went wrong, for programs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $code, "` (HTTP ", stringify!($status), ").")]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code as sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The HTTP status it is sent with.
            pub fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                }
            }
        }
    };
}

error_codes! {
    InvalidJson => "invalid_json", BAD_REQUEST;
    InvalidBody => "invalid_body", BAD_REQUEST;
    UnsupportedMediaType => "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE;
    BodyTooLarge => "body_too_large", PAYLOAD_TOO_LARGE;
    InvalidPath => "invalid_path", BAD_REQUEST;
    InvalidUserId => "invalid_user_id", BAD_REQUEST;
    InvalidJobId => "invalid_job_id", BAD_REQUEST;
    InvalidGoalId => "invalid_goal_id", BAD_REQUEST;
    InvalidJob => "invalid_job", BAD_REQUEST;
    UnknownJobKind => "unknown_job_kind", BAD_REQUEST;
    ReservedJobKind => "reserved_job_kind", FORBIDDEN;
    ReservedQueue => "reserved_queue", FORBIDDEN;
    Unauthorized => "unauthorized", UNAUTHORIZED;
    Forbidden => "forbidden", FORBIDDEN;
    RouteNotFound => "route_not_found", NOT_FOUND;
    MethodNotAllowed => "method_not_allowed", METHOD_NOT_ALLOWED;
    UserNotFound => "user_not_found", NOT_FOUND;
    GoalNotFound => "goal_not_found", NOT_FOUND;
    JobNotFound => "job_not_found", NOT_FOUND;
    GoalNotCompleted => "goal_not_completed", CONFLICT;
    GoalInactive => "goal_inactive", CONFLICT;
    PrerequisitesNotClaimed => "prerequisites_not_claimed", CONFLICT;
    PeriodExpired => "period_expired", CONFLICT;
    JobNotCancellable => "job_not_cancellable", CONFLICT;
    DuplicateJob => "duplicate_job", CONFLICT;
    RateLimited => "rate_limited", TOO_MANY_REQUESTS;
    RequestTimeout => "request_timeout", REQUEST_TIMEOUT;
    Overloaded => "overloaded", SERVICE_UNAVAILABLE;
    DatabaseUnavailable => "database_unavailable", SERVICE_UNAVAILABLE;
    Internal => "internal", INTERNAL_SERVER_ERROR;
}

/// An error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// What went wrong.
    pub code: ErrorCode,
    /// For people: what is wrong and, where it helps, what to do.
    pub message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: &'a str,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.code.as_str(), message: &self.message };
        (self.code.status(), Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match &error {
            StoreError::Invalid(message) => ApiError::new(ErrorCode::InvalidBody, message.clone()),
            _ if error.is_retryable() => {
                tracing::warn!(error = %error, "database unavailable");
                ApiError::new(
                    ErrorCode::DatabaseUnavailable,
                    "the database is unavailable or overloaded; retry later",
                )
            }
            _ => {
                tracing::error!(error = %error, "database error");
                ApiError::new(ErrorCode::Internal, "internal error; see the server log")
            }
        }
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        StoreError::Pool(error).into()
    }
}
