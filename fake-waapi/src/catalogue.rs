//! The 122 client actions the fake answers, read once from the repository's action catalogue
//! (`api/actions.json`): their names, parameters (JSON types, required flags), the envelope
//! the v1.6.0 spec gives them and the payload schema where one is known.
//!
//! Only the list and the request rules come from the catalogue; every answer's JSON is built
//! by the fake itself ([`crate::actions`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

const CATALOGUE: &str = include_str!("../../api/actions.json");

/// The response shape the v1.6.0 spec documents for an action (CONTRACT §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecEnvelope {
    /// `{data:{status,instanceId,data?},links,status}`
    Nested,
    /// `{status,instanceId,data,links}`
    Flat,
    /// `{data,links,status}`
    DataLinks,
}

/// The JSON type a parameter must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
    /// `["integer","string"]`
    IntegerOrString,
    /// `oneOf [string, string[], null]` (requesterIds)
    StringsOrNull,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub required: bool,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub struct ActionSpec {
    pub name: String,
    /// `None` for the newer actions only the vendor SDK knows (no documented envelope).
    pub envelope: Option<SpecEnvelope>,
    pub params: Vec<Param>,
    /// The payload schema, where the spec has one.
    pub payload: Option<Value>,
}

impl ActionSpec {
    /// Actions that only read need the `read` scope; everything else needs `update`.
    pub fn read_only(&self) -> bool {
        is_read_only(&self.name)
    }
}

/// Whether an action name only reads (`get-`, `fetch-`, `search-`, `is-`, `download-`).
pub fn is_read_only(name: &str) -> bool {
    ["get-", "fetch-", "search-", "is-", "download-"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

fn kind_of(schema: &Value) -> Kind {
    if schema.get("oneOf").is_some() {
        return Kind::StringsOrNull;
    }
    match &schema["type"] {
        Value::Array(types) if types.iter().any(|t| t == "integer") => Kind::IntegerOrString,
        Value::String(t) => match t.as_str() {
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "boolean" => Kind::Boolean,
            "array" => Kind::Array,
            "object" => Kind::Object,
            _ => Kind::String,
        },
        _ => Kind::String,
    }
}

fn parse() -> BTreeMap<String, ActionSpec> {
    let root: Value = serde_json::from_str(CATALOGUE).expect("api/actions.json is JSON");
    let actions = root["actions"].as_array().expect("an `actions` array");
    actions
        .iter()
        .map(|a| {
            let name = a["action"].as_str().expect("action name").to_owned();
            let envelope = match a["response"]["envelope"].as_str() {
                Some("E5") => Some(SpecEnvelope::Nested),
                Some("E6") => Some(SpecEnvelope::Flat),
                Some("E7") => Some(SpecEnvelope::DataLinks),
                _ => None,
            };
            let params = a["params"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| Param {
                            name: p["name"].as_str().unwrap_or_default().to_owned(),
                            required: p["required"].as_bool().unwrap_or(false),
                            kind: kind_of(&p["schema"]),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let payload = a["response"]
                .get("payload")
                .filter(|p| !p.is_null())
                .cloned();
            let spec = ActionSpec {
                name: name.clone(),
                envelope,
                params,
                payload,
            };
            (name, spec)
        })
        .collect()
}

/// Every action, by wire name.
pub fn all() -> &'static BTreeMap<String, ActionSpec> {
    static ACTIONS: OnceLock<BTreeMap<String, ActionSpec>> = OnceLock::new();
    ACTIONS.get_or_init(parse)
}

pub fn get(name: &str) -> Option<&'static ActionSpec> {
    all().get(name)
}

/// Laravel's attribute name: `chatId` → `chat id`, `vCard` → `v card`.
pub fn label(field: &str) -> String {
    let mut out = String::new();
    for (i, c) in field.chars().enumerate() {
        if c == '_' || c == '.' {
            out.push(' ');
        } else if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn type_error(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::String => "must be a string",
        Kind::Integer => "must be an integer",
        Kind::Number => "must be a number",
        Kind::Boolean => "must be true or false",
        // Laravel's `array` rule covers JSON objects too, and says so.
        Kind::Array | Kind::Object => "must be an array",
        Kind::IntegerOrString => "must be an integer or a string",
        Kind::StringsOrNull => "must be a string or an array of strings",
    })
}

fn has_kind(kind: Kind, value: &Value) -> bool {
    match kind {
        Kind::String => value.is_string(),
        Kind::Integer => value.is_i64() || value.is_u64(),
        Kind::Number => value.is_number(),
        Kind::Boolean => value.is_boolean(),
        Kind::Array => value.is_array(),
        Kind::Object => value.is_object(),
        Kind::IntegerOrString => value.is_i64() || value.is_u64() || value.is_string(),
        Kind::StringsOrNull => match value {
            Value::Null | Value::String(_) => true,
            Value::Array(items) => items.iter().all(Value::is_string),
            _ => false,
        },
    }
}

/// Checks a request body against an action's parameters, Laravel-style: every failing field
/// is listed. An empty body counts as `{}`; unknown keys are ignored.
pub fn validate(spec: &ActionSpec, body: &[u8]) -> Result<Map<String, Value>, Map<String, Value>> {
    let mut errors = Map::new();
    let object = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => {
                errors.insert(
                    "body".to_owned(),
                    json!(["The request body must be a JSON object."]),
                );
                return Err(errors);
            }
        }
    };
    for param in &spec.params {
        let name = &param.name;
        let value = object.get(name).unwrap_or(&Value::Null);
        // requesterIds: null means "all pending", so it is never "missing".
        if param.kind != Kind::StringsOrNull && blank(value) {
            if param.required {
                let message = format!("The {} field is required.", label(name));
                errors.insert(name.clone(), json!([message]));
            }
            continue;
        }
        if !has_kind(param.kind, value) {
            let message = format!(
                "The {} field {}.",
                label(name),
                type_error(param.kind).unwrap_or("is invalid")
            );
            errors.insert(name.clone(), json!([message]));
        }
    }
    if errors.is_empty() {
        Ok(object)
    } else {
        Err(errors)
    }
}

/// Adds every property a payload schema names but `value` lacks, with an empty value of the
/// declared type, so answers always carry the documented field names. Present values (nulls
/// included) are left alone.
pub fn fill_defaults(value: &mut Value, schema: &Value) {
    match value {
        Value::Object(map) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (key, sub) in properties {
                match map.get_mut(key) {
                    Some(existing) => fill_defaults(existing, sub),
                    None => {
                        let mut fresh = default_for(sub);
                        fill_defaults(&mut fresh, sub);
                        map.insert(key.clone(), fresh);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
                for item in items {
                    fill_defaults(item, item_schema);
                }
            }
        }
        _ => {}
    }
}

fn default_for(schema: &Value) -> Value {
    let ty = match &schema["type"] {
        Value::String(t) => t.as_str(),
        Value::Array(types) if types.iter().any(|t| t == "null") => return Value::Null,
        Value::Array(types) => types.first().and_then(Value::as_str).unwrap_or("object"),
        _ => "object",
    };
    match ty {
        "string" => json!(""),
        "integer" | "number" => json!(0),
        "boolean" => json!(false),
        "array" => json!([]),
        "null" => Value::Null,
        _ => json!({}),
    }
}
