//! The OpenAPI 3 document served at `/openapi.json`: what paperclip derives from the routes and
//! DTOs, converted to OpenAPI 3 and then finished here, once, so that it says exactly what the
//! server does (checked by schemathesis in `make fuzz-api`, see `docs/api-fuzzing.md`):
//!
//! - an optional property (`Option<T>`, not in `required`) is `nullable`: the server writes `null`
//!   for it in responses and accepts `null` for it in requests;
//! - request bodies are closed (`additionalProperties: false`): every request DTO denies unknown
//!   fields with 422;
//! - a plain text whose documented wording is a list of backticked words, a `YYYY-MM-DD` day or an
//!   `HH:MM` time says so as `enum`, `format` or `pattern` (requests and query parameters);
//! - every error status carries the `application/problem+json` body ([`Problem`](problem_schema));
//! - query parameters get the bounds and formats the handlers enforce (`limit` 1–500, `offset`
//!   from 0, days and instants as `date` / `date-time`, read from the documented wording);
//! - a free-form JSON value (`serde_json::Value`) may be any JSON, not only an object;
//! - CSV exports document their `200 text/csv` answer.
//!
//! The finished document also answers which methods a path has, for the `Allow` header of a 405.

use actix_web::http::header::HeaderValue;
use actix_web::HttpRequest;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The finished document, as served, and the methods of every path template.
#[derive(Debug)]
pub struct OpenApiDocument {
    /// The JSON text of the document.
    pub json: actix_web::web::Bytes,
    /// Upper-case methods per path template (`/api/v1/admin/clients/{client_id}` → `GET, PUT`).
    methods: BTreeMap<String, String>,
}

impl OpenApiDocument {
    /// Finishes paperclip's OpenAPI 3 `spec` (see the module documentation).
    pub fn new(spec: Value) -> Self {
        let spec = finish(spec);
        let methods = spec
            .get("paths")
            .and_then(Value::as_object)
            .map(|paths| {
                paths
                    .iter()
                    .filter_map(|(path, item)| {
                        let item = item.as_object()?;
                        let list: Vec<String> = HTTP_METHODS
                            .iter()
                            .filter(|m| item.contains_key(**m))
                            .map(|m| m.to_uppercase())
                            .collect();
                        (!list.is_empty()).then(|| (path.clone(), list.join(", ")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let json = serde_json::to_vec(&spec).unwrap_or_default().into();
        Self { json, methods }
    }

    /// The `Allow` header for a 405 on `req`: the documented methods of the matched path.
    pub fn allow(&self, req: &HttpRequest) -> Option<HeaderValue> {
        let pattern = req.match_pattern()?;
        let methods = self.methods.get(&pattern)?;
        HeaderValue::from_str(methods).ok()
    }
}

/// The `Allow` header for a 405 on `req`, when the app serves the document.
pub fn allow_header(req: &HttpRequest) -> Option<HeaderValue> {
    req.app_data::<actix_web::web::Data<OpenApiDocument>>()
        .and_then(|doc| doc.allow(req))
}

/// Serves the finished document.
pub async fn serve(doc: actix_web::web::Data<OpenApiDocument>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.json.clone())
}

const HTTP_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// The problem+json body of every error.
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details with a stable machine `code`.",
        "required": ["type", "title", "status", "code", "detail"],
        "properties": {
            "type": {"type": "string", "description": "`urn:crm:problem:<code>`."},
            "title": {"type": "string", "description": "The status text."},
            "status": {"type": "integer", "format": "int32", "description": "The HTTP status."},
            "code": {"type": "string", "description": "Stable snake_case code."},
            "detail": {"type": "string", "description": "What went wrong, for people."},
            "errors": {
                "type": "array",
                "description": "The invalid fields (422).",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "field": {"type": "string"},
                        "message": {"type": "string"}
                    }
                }
            }
        }
    })
}

/// Applies every rule of the module documentation to paperclip's document.
pub fn finish(mut spec: Value) -> Value {
    let mut request_refs = Vec::new();
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                if HTTP_METHODS.contains(&method.as_str()) {
                    finish_operation(path, operation, &mut request_refs);
                }
            }
        }
    }
    if let Some(components) = spec.get_mut("components").and_then(Value::as_object_mut) {
        let schemas = components
            .entry("schemas")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(schemas) = schemas.as_object_mut() {
            for name in &request_refs {
                if let Some(schema) = schemas.get_mut(name) {
                    close_objects(schema);
                    described_texts(schema);
                }
            }
            for schema in schemas.values_mut() {
                free_form_values(schema);
                nullable_optionals(schema);
            }
            schemas.insert("Problem".into(), problem_schema());
        }
    }
    spec
}

fn finish_operation(path: &str, operation: &mut Value, request_refs: &mut Vec<String>) {
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters.iter_mut() {
            bound_parameter(parameter);
        }
    }
    if let Some(content) = operation
        .pointer_mut("/requestBody/content")
        .and_then(Value::as_object_mut)
    {
        for media in content.values_mut() {
            let Some(schema) = media.get_mut("schema") else {
                continue;
            };
            match schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                Some(name) => request_refs.push(name.to_owned()),
                None => {
                    free_form_values(schema);
                    close_objects(schema);
                    described_texts(schema);
                    nullable_optionals(schema);
                }
            }
        }
    }
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if path.ends_with(".csv") && !responses.keys().any(|code| code.starts_with('2')) {
        responses.insert(
            "200".into(),
            json!({
                "description": "The CSV file (UTF-8 with a BOM, `;` separators, CRLF).",
                "content": {"text/csv": {"schema": {"type": "string"}}}
            }),
        );
    }
    for (code, response) in responses.iter_mut() {
        let is_error = code.starts_with('4') || code.starts_with('5');
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        if is_error && response.get("content").is_none_or(is_empty_object) {
            response.insert(
                "content".into(),
                json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}),
            );
        }
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            for media in content.values_mut() {
                if let Some(schema) = media.get_mut("schema") {
                    if schema.get("$ref").is_none() {
                        free_form_values(schema);
                        nullable_optionals(schema);
                    }
                }
            }
        }
    }
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(Map::is_empty)
}

/// Bounds and formats of query parameters, as the handlers check them.
fn bound_parameter(parameter: &mut Value) {
    if parameter.get("in").and_then(Value::as_str) != Some("query") {
        return;
    }
    let name = parameter
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let description = parameter
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else {
        return;
    };
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match (kind.as_str(), name.as_str()) {
        ("integer", "limit") => {
            schema.insert("minimum".into(), json!(1));
            schema.insert("maximum".into(), json!(crm_core::paging::MAX_LIMIT));
        }
        ("integer", "offset") => {
            schema.insert("minimum".into(), json!(0));
            schema.insert("maximum".into(), json!(i64::MAX));
        }
        ("integer", days) if days.ends_with("_days") => {
            schema.insert("minimum".into(), json!(0));
        }
        ("string", _) if !schema.contains_key("format") && !schema.contains_key("enum") => {
            let day = description.contains("YYYY-MM-DD")
                || (["from", "to", "date"].contains(&name.as_str())
                    && description.contains("day")
                    && !description.contains("RFC 3339"));
            let instant = description.contains("RFC 3339");
            match (day, instant) {
                (true, true) => {
                    schema.remove("type");
                    schema.insert(
                        "anyOf".into(),
                        json!([
                            {"type": "string", "format": "date"},
                            {"type": "string", "format": "date-time"}
                        ]),
                    );
                }
                (true, false) => {
                    schema.insert("format".into(), json!("date"));
                }
                (false, true) => {
                    schema.insert("format".into(), json!("date-time"));
                }
                (false, false) => {
                    if let Some(rule) = text_rule(&description) {
                        schema.extend(rule);
                    }
                }
            }
        }
        _ => {}
    }
}

/// What a text's documented wording says it must be: a list of backticked words only (``
/// `a`, `b` or `c`. ``, remarks in parentheses aside) is an `enum`; `YYYY-MM-DD` a `date`;
/// `HH:MM` a time of day. `None` when the wording says neither.
fn text_rule(description: &str) -> Option<Map<String, Value>> {
    let mut rule = Map::new();
    if description.contains("`YYYY-MM-DD`") && !description.contains("RFC 3339") {
        rule.insert("format".into(), json!("date"));
        return Some(rule);
    }
    if description.contains("`HH:MM`") {
        rule.insert("pattern".into(), json!("^([01][0-9]|2[0-3]):[0-5][0-9]$"));
        return Some(rule);
    }
    let mut plain = String::new();
    let mut depth = 0usize;
    for c in description.trim().trim_end_matches('.').chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let words: Option<Vec<String>> = plain
        .split(',')
        .flat_map(|part| part.split(" or "))
        .map(str::trim)
        .map(|word| {
            let inner = word.strip_prefix('`')?.strip_suffix('`')?;
            let simple = !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            simple.then(|| inner.to_owned())
        })
        .collect();
    let words = words.filter(|w| w.len() >= 2)?;
    rule.insert("enum".into(), json!(words));
    Some(rule)
}

/// States the documented wording of plain text properties of a request body as `enum`,
/// `format` or `pattern` (see [`text_rule`]).
fn described_texts(schema: &mut Value) {
    walk_objects(schema, &mut |object| {
        let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) else {
            return;
        };
        for property in properties.values_mut() {
            let Some(fields) = property.as_object_mut() else {
                continue;
            };
            let plain = fields.get("type").and_then(Value::as_str) == Some("string")
                && !["enum", "format", "pattern"]
                    .iter()
                    .any(|k| fields.contains_key(*k));
            if !plain {
                continue;
            }
            let rule = fields
                .get("description")
                .and_then(Value::as_str)
                .and_then(text_rule);
            if let Some(rule) = rule {
                fields.extend(rule);
            }
        }
    });
}

/// Sets `additionalProperties: false` on `schema` and every object schema inside it.
fn close_objects(schema: &mut Value) {
    walk_objects(schema, &mut |object| {
        if object.contains_key("properties") && !object.contains_key("additionalProperties") {
            object.insert("additionalProperties".into(), Value::Bool(false));
        }
    });
}

/// A free-form JSON value (`serde_json::Value`, which paperclip calls an object with no
/// properties) may be any JSON: a flag, a number, a text or an object.
fn free_form_values(schema: &mut Value) {
    walk_objects(schema, &mut |object| {
        let free_form = object.get("type").and_then(Value::as_str) == Some("object")
            && !object.contains_key("properties")
            && !object.contains_key("additionalProperties");
        if free_form {
            object.remove("type");
        }
    });
}

/// Marks every property that is not required as nullable, in `schema` and inside it.
fn nullable_optionals(schema: &mut Value) {
    walk_objects(schema, &mut |object| {
        let required: Vec<String> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) else {
            return;
        };
        for (name, property) in properties.iter_mut() {
            if required.contains(name) {
                continue;
            }
            let Some(fields) = property.as_object_mut() else {
                continue;
            };
            if let Some(reference) = fields.remove("$ref") {
                let mut wrapped = Map::new();
                if let Some(description) = fields.remove("description") {
                    wrapped.insert("description".into(), description);
                }
                wrapped.insert("allOf".into(), json!([{ "$ref": reference }]));
                wrapped.insert("nullable".into(), Value::Bool(true));
                *fields = wrapped;
            } else {
                fields.insert("nullable".into(), Value::Bool(true));
                if let Some(values) = fields.get_mut("enum").and_then(Value::as_array_mut) {
                    if !values.contains(&Value::Null) {
                        values.push(Value::Null);
                    }
                }
            }
        }
    });
}

/// Calls `visit` on `schema` and every schema object nested in it (properties, items,
/// additionalProperties, allOf/anyOf/oneOf), outermost first.
fn walk_objects(schema: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    visit(object);
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        for property in properties.values_mut() {
            walk_objects(property, visit);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = object.get_mut(key) {
            walk_objects(inner, visit);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = object.get_mut(key).and_then(Value::as_array_mut) {
            for inner in list.iter_mut() {
                walk_objects(inner, visit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_properties_become_nullable_and_requests_closed() {
        let spec = json!({
            "openapi": "3.0.0",
            "paths": {"/x": {"post": {
                "parameters": [
                    {"in": "query", "name": "limit", "schema": {"type": "integer"}},
                    {"in": "query", "name": "from", "description": "First day (`YYYY-MM-DD`).",
                     "schema": {"type": "string"}}
                ],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
                "responses": {"200": {"description": "OK"}, "422": {"description": "bad"}}
            }}},
            "components": {"schemas": {"In": {
                "type": "object",
                "required": ["a"],
                "properties": {"a": {"type": "string"}, "b": {"type": "integer"},
                               "c": {"$ref": "#/components/schemas/Other"},
                               "k": {"type": "string", "description": "`a` (default), `b_c` or `d`."},
                               "d": {"type": "string", "description": "Day, `YYYY-MM-DD`."},
                               "t": {"type": "string", "description": "Start, `HH:MM`."},
                               "n": {"type": "string", "description": "A name, not `x`."}}
            }}}
        });
        let done = finish(spec);
        let input = &done["components"]["schemas"]["In"];
        assert_eq!(input["additionalProperties"], false);
        assert!(input["properties"]["a"].get("nullable").is_none());
        assert_eq!(input["properties"]["b"]["nullable"], true);
        assert_eq!(input["properties"]["c"]["nullable"], true);
        assert_eq!(
            input["properties"]["c"]["allOf"][0]["$ref"],
            "#/components/schemas/Other"
        );
        assert_eq!(
            input["properties"]["k"]["enum"],
            json!(["a", "b_c", "d", null])
        );
        assert_eq!(input["properties"]["d"]["format"], "date");
        assert!(input["properties"]["t"]["pattern"].is_string());
        assert!(input["properties"]["n"].get("enum").is_none());
        let operation = &done["paths"]["/x"]["post"];
        assert_eq!(operation["parameters"][0]["schema"]["maximum"], 500);
        assert_eq!(operation["parameters"][1]["schema"]["format"], "date");
        assert_eq!(
            operation["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
    }
}
