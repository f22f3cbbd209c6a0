//! [`Body`]: the JSON request body extractor, with errors that name the field.
//!
//! actix's `Json` reports a bad value without saying where it is. This extractor decodes with
//! `serde_path_to_error`, so `{"total": 12.345}` is a 422 on `total` and `{"tags": [1]}` a 422 on
//! `tags[0]`; malformed JSON is 400, a non-JSON content type 415, an oversized body 413 (the
//! app's `PayloadConfig` limit). It documents itself in OpenAPI exactly like paperclip's `Json`.

use crate::error::{clean_serde_message, field_of, ApiError};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest};
use crm_core::FieldError;
use paperclip::actix::OperationModifier;
use paperclip::v2::models::{DefaultOperationRaw, DefaultSchemaRaw};
use paperclip::v2::schema::Apiv2Schema;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T> Body<T> {
    /// The decoded body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Body<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Decodes JSON bytes, naming the field of a bad value.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = clean_serde_message(&inner.to_string());
        if inner.is_data() {
            let field = field_of(&message)
                .map(|name| {
                    if path == "." {
                        name
                    } else if path == name || path.ends_with(&format!(".{name}")) {
                        path.clone()
                    } else {
                        format!("{path}.{name}")
                    }
                })
                .unwrap_or_else(|| if path == "." { "body".to_owned() } else { path });
            let message = if message.starts_with("unknown field") {
                "is not accepted here (read-only or unknown)".to_owned()
            } else {
                message
            };
            ApiError::validation(vec![FieldError::new(field, message)])
        } else {
            ApiError::bad_request(
                "malformed_json",
                format!("The body is not valid JSON: {message}"),
            )
        }
    })?;
    deserializer.end().map_err(|_| {
        ApiError::bad_request("malformed_json", "The body has data after the JSON value.")
    })?;
    Ok(value)
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "The body must be JSON with Content-Type: application/json.",
                )
                .into());
            }
            let bytes = bytes
                .await
                .map_err(|_| ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE))?;
            // serde would read a struct from an array of its fields in order; every body of
            // the API is an object, so anything else is refused (after the JSON itself is).
            let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
            if first != Some(&b'{') {
                decode::<serde::de::IgnoredAny>(&bytes)?;
                return Err(ApiError::validation(vec![FieldError::new(
                    "body",
                    "must be a JSON object",
                )])
                .into());
            }
            Ok(Body(decode(&bytes)?))
        })
    }
}

impl<T: Apiv2Schema> Apiv2Schema for Body<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn raw_schema() -> DefaultSchemaRaw {
        T::raw_schema()
    }
}

impl<T: Apiv2Schema> OperationModifier for Body<T> {
    fn update_parameter(op: &mut DefaultOperationRaw) {
        <paperclip::actix::web::Json<T> as OperationModifier>::update_parameter(op);
    }

    fn update_definitions(map: &mut BTreeMap<String, DefaultSchemaRaw>) {
        <paperclip::actix::web::Json<T> as OperationModifier>::update_definitions(map);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        total: crm_core::Money,
        tags: Option<Vec<String>>,
    }

    #[test]
    fn errors_name_the_field() {
        let e = decode::<Sample>(br#"{"total": 12.345}"#).expect_err("too precise");
        assert_eq!(e.field_errors()[0].field, "total");
        let e = decode::<Sample>(br#"{"total": 1, "tags": ["a", 5]}"#).expect_err("bad tag");
        assert_eq!(e.field_errors()[0].field, "tags[1]");
        let e = decode::<Sample>(br#"{"total": 1, "points_balance": 5}"#).expect_err("unknown");
        assert_eq!(e.field_errors()[0].field, "points_balance");
        let e = decode::<Sample>(br#"{"tags": []}"#).expect_err("missing");
        assert_eq!(e.field_errors()[0].field, "total");
        assert_eq!(
            decode::<Sample>(b"{").expect_err("syntax").code(),
            "malformed_json"
        );
        assert_eq!(
            decode::<Sample>(br#"{"total": 1} x"#)
                .expect_err("trailing")
                .code(),
            "malformed_json"
        );
        assert!(decode::<Sample>(br#"{"total": 1.5}"#).is_ok());
    }
}
