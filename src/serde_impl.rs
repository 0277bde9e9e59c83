//! `Serialize` and `Deserialize` for the `serde` feature.
//!
//! Serializing writes the wire's shape: WaAPI's field names, as JavaScript sees them.
//! Deserializing goes through the crate's own readers (via [`Json`]), so a value read with serde
//! is as checked as one the client read from WaAPI: a QR code must be a base64 PNG, a profile
//! picture an `https:` URL, an action request only the parameters its action takes. Reading
//! through `Json` needs a self-describing format (JSON, CBOR, MessagePack, …).

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::action::FromJson;
use crate::json::{parse_u64, Json};
use crate::models::{ClientStatus, Instance, InstanceStatus, Me, QrCode, WebhookEvent};
use crate::request::{InstanceUpdate, Permission};

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(text) => match number(text) {
                Number::U(n) => s.serialize_u64(n),
                Number::I(n) => s.serialize_i64(n),
                Number::F(n) => s.serialize_f64(n),
            },
            Json::String(text) => s.serialize_str(text),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key.as_ref(), value)?;
                }
                map.end()
            }
        }
    }
}

enum Number {
    U(u64),
    I(i64),
    F(f64),
}

/// A JSON number's text as the narrowest of u64, i64 and f64 that holds it.
fn number(text: &str) -> Number {
    if let Some(n) = parse_u64(text) {
        return Number::U(n);
    }
    if let Some(n) = text
        .strip_prefix('-')
        .and_then(parse_u64)
        .and_then(|n| i64::try_from(n).ok())
    {
        return Number::I(-n);
    }
    // The parser checked the grammar, so this only fails on what it never lets through.
    Number::F(text.parse().unwrap_or(0.0))
}

impl<'de> Deserialize<'de> for Json<'static> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'static>, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'static>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json<'static>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'static>, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'static>, D::Error> {
        Json::deserialize(d)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json<'static>, E> {
        Ok(Json::Bool(b))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json<'static>, E> {
        Ok(Json::Number(n.to_string().into()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json<'static>, E> {
        Ok(Json::Number(n.to_string().into()))
    }

    /// Written as Rust's `Debug` does (`2500.0`, `1e300`), so that a float stays one: `Display`
    /// would write `2500`, which reads back as an integer.
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json<'static>, E> {
        if n.is_finite() {
            Ok(Json::Number(format!("{n:?}").into()))
        } else {
            Err(E::custom("JSON has no NaN or infinite numbers"))
        }
    }

    fn visit_str<E>(self, s: &str) -> Result<Json<'static>, E> {
        Ok(Json::String(s.to_owned().into()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json<'static>, E> {
        Ok(Json::String(s.into()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'static>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'static>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some((key, value)) = map.next_entry::<String, Json<'static>>()? {
            members.push((key.into(), value));
        }
        Ok(Json::Object(members))
    }
}

/// `Json` as a serde source, so that a value read as `Json` can be read on as another type.
impl<'de> IntoDeserializer<'de, de::value::Error> for Json<'static> {
    type Deserializer = JsonDeserializer;

    fn into_deserializer(self) -> JsonDeserializer {
        JsonDeserializer(self)
    }
}

pub struct JsonDeserializer(Json<'static>);

impl<'de> Deserializer<'de> for JsonDeserializer {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Json::Null => v.visit_unit(),
            Json::Bool(b) => v.visit_bool(b),
            Json::Number(text) => match number(&text) {
                Number::U(n) => v.visit_u64(n),
                Number::I(n) => v.visit_i64(n),
                Number::F(n) => v.visit_f64(n),
            },
            Json::String(text) => v.visit_string(text.into_owned()),
            Json::Array(items) => v.visit_seq(SeqDeserializer::new(items.into_iter())),
            Json::Object(members) => v.visit_map(MapDeserializer::new(
                members.into_iter().map(|(k, v)| (k.into_owned(), v)),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Json::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// Reads `T` from any serde source through `Json` and the crate's reader for `T`.
pub(crate) fn read<'de, D: Deserializer<'de>, T>(
    d: D,
    read: impl FnOnce(&Json) -> Result<T, String>,
) -> Result<T, D::Error> {
    let v = Json::deserialize(d)?;
    read(&v).map_err(de::Error::custom)
}

/// Writes members kept in a struct's `other` among the struct's own (`#[serde(flatten)]`).
pub(crate) fn other<S: Serializer>(
    other: &[(String, Json<'static>)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(other.iter().map(|(k, v)| (k, v)))
}

macro_rules! via_from_json {
    ($($t:ty),+ $(,)?) => {
        $(impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                read(d, <$t as FromJson>::from_json)
            }
        })+
    };
}

via_from_json!(Instance, ClientStatus, Me, QrCode);

impl Serialize for QrCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.data_url())
    }
}

/// The open enums and `Permission`: their wire name, as a string.
macro_rules! as_string {
    ($($t:ty: $parse:expr),+ $(,)?) => {
        $(impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                read(d, |v| match v.as_str() {
                    Some(s) => $parse(s),
                    None => Err(concat!("a ", stringify!($t), " is a string").into()),
                })
            }
        })+
    };
}

as_string! {
    WebhookEvent: |s| Ok(WebhookEvent::parse(s)),
    InstanceStatus: |s| Ok(InstanceStatus::parse(s)),
    Permission: |s| match s {
        "create" => Ok(Permission::Create),
        "read" => Ok(Permission::Read),
        "update" => Ok(Permission::Update),
        "delete" => Ok(Permission::Delete),
        _ => Err(String::from("a permission is create, read, update or delete")),
    },
}

/// The body `PUT /instances/{id}` sends: `{"name", "webhook": {"url", "events"}}`, with only
/// what is set.
impl Serialize for InstanceUpdate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Webhook<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            url: Option<&'a Option<String>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            events: Option<&'a Vec<WebhookEvent>>,
        }
        let mut map = s.serialize_map(None)?;
        if let Some(name) = &self.name {
            map.serialize_entry("name", name)?;
        }
        if self.webhook_url.is_some() || self.webhook_events.is_some() {
            let webhook = Webhook {
                url: self.webhook_url.as_ref(),
                events: self.webhook_events.as_ref(),
            };
            map.serialize_entry("webhook", &webhook)?;
        }
        map.end()
    }
}

/// Reads what `Serialize` writes; any other member is refused. The values are checked when
/// the update is sent, as for one built in code.
impl<'de> Deserialize<'de> for InstanceUpdate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<InstanceUpdate, D::Error> {
        read(d, |v| {
            let Json::Object(members) = v else {
                return Err("an instance update is an object".into());
            };
            let mut update = InstanceUpdate::new();
            for (key, value) in members {
                match (key.as_ref(), value) {
                    ("name", Json::String(name)) => update = update.name(name.as_ref()),
                    ("webhook", Json::Object(hook)) => {
                        for (key, value) in hook {
                            match (key.as_ref(), value) {
                                ("url", Json::Null) => update = update.webhook_url(None),
                                ("url", Json::String(url)) => {
                                    update = update.webhook_url(Some(url))
                                }
                                ("events", Json::Array(items)) => {
                                    let events = items.iter().map(|e| {
                                        e.as_str()
                                            .map(WebhookEvent::parse)
                                            .ok_or("webhook.events holds event names")
                                    });
                                    update = update
                                        .webhook_events(events.collect::<Result<Vec<_>, _>>()?);
                                }
                                _ => return Err(format!("unexpected webhook.{key}")),
                            }
                        }
                    }
                    _ => return Err(format!("unexpected {key} in an instance update")),
                }
            }
            Ok(update)
        })
    }
}

/// Serialize and Deserialize for a generated action request: its parameters as the JSON object
/// sent; reading checks them against the action's catalogue entry, as sending would.
macro_rules! action_request {
    ($t:ident, $action:literal) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.0.to_json(), s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                $crate::serde_impl::read(d, |v| $crate::serde_impl::params($action, v)).map($t)
            }
        }
    };
}
pub(crate) use action_request;

/// Serialize and Deserialize for a generated answer: the object as sent (`raw`); reading is
/// the typed reading of an answer.
macro_rules! action_answer {
    ($t:ident) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.raw, s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                $crate::serde_impl::read(d, <$t as $crate::action::FromJson>::from_json)
            }
        }
    };
}
pub(crate) use action_answer;

impl Serialize for crate::action::Params {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// The parameters of `action` in `v`, checked as [`crate::action::Action::validate`] does.
pub(crate) fn params(action: &str, v: &Json) -> Result<crate::action::Params, String> {
    let action = crate::action::find(action).ok_or("an action this crate knows")?;
    action.validate(v).map_err(|e| e.message().to_owned())?;
    let mut params = crate::action::Params::new();
    if let Json::Object(members) = v {
        for (key, value) in members {
            if let Some(p) = action.params.iter().find(|p| p.name == key) {
                params = params.set(p.name, value.clone().into_owned());
            }
        }
    }
    Ok(params)
}
