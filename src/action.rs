//! WaAPI's client actions, `POST /instances/{id}/client/action/{name}`: how any of them is
//! checked, encoded, sent and decoded.
//!
//! The 122 actions the crate knows are data: [`crate::actions::CATALOGUE`], generated from
//! `api/actions.json`, lists each one's parameters, and one validator ([`check`]) reads it, or
//! the same parameters packed in one string (`PACKED`, what the crate's own calls use; they know
//! each action's place in the catalogue, so it holds no names). The typed
//! request builders and answers in [`crate::actions`] are generated too and end here;
//! [`InstanceClient::action`] reaches any action by name, one this crate does not know included.

use crate::actions::{CATALOGUE, PACKED};
use crate::client::{Client, InstanceClient};
use crate::error::Error;
use crate::json::Json;
use crate::prelude::*;
use crate::request::{Request, MAX_SAFE_INTEGER};
use crate::text::cat;

/// The JSON type a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    String,
    /// A whole number within JavaScript's safe range.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An object, whose members are not checked.
    Object,
    /// An array whose items are not checked.
    Array,
    /// An array of strings.
    Strings,
    /// An array of whole numbers.
    Integers,
    /// An array of objects.
    Objects,
    /// A whole number or a string (times given as a Unix timestamp or as text).
    IntegerOrString,
    /// A string or an array of strings.
    StringOrStrings,
}

impl Kind {
    /// Whether `v` is of this kind (`null` is judged by [`Param::nullable`]).
    pub fn accepts(self, v: &Json) -> bool {
        let all = |items: &[Json], kind: Kind| items.iter().all(|i| kind.accepts(i));
        match (self, v) {
            (Kind::String, Json::String(_)) => true,
            (Kind::Integer, Json::Number(n)) => is_safe_integer(n),
            (Kind::Number, Json::Number(_)) => true,
            (Kind::Boolean, Json::Bool(_)) => true,
            (Kind::Object, Json::Object(_)) => true,
            (Kind::Array, Json::Array(_)) => true,
            (Kind::Strings, Json::Array(items)) => all(items, Kind::String),
            (Kind::Integers, Json::Array(items)) => all(items, Kind::Integer),
            (Kind::Objects, Json::Array(items)) => all(items, Kind::Object),
            (Kind::IntegerOrString, v) => Kind::Integer.accepts(v) || Kind::String.accepts(v),
            (Kind::StringOrStrings, v) => Kind::String.accepts(v) || Kind::Strings.accepts(v),
            _ => false,
        }
    }

    /// The kind in words, completing "must be …".
    pub fn describe(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Integer => "a whole number",
            Kind::Number => "a number",
            Kind::Boolean => "true or false",
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::Strings => "an array of strings",
            Kind::Integers => "an array of whole numbers",
            Kind::Objects => "an array of objects",
            Kind::IntegerOrString => "a whole number or a string",
            Kind::StringOrStrings => "a string or an array of strings",
        }
    }
}

/// `-`? digits, no fraction or exponent, within ±(2^53 − 1).
fn is_safe_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    crate::json::parse_u64(digits).is_some_and(|n| n <= MAX_SAFE_INTEGER)
}

/// One parameter of an action, by its wire name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// The wire name, e.g. `chatId`.
    pub name: &'static str,
    /// The JSON type it takes.
    pub kind: Kind,
    /// Whether a call without it is refused before sending.
    pub required: bool,
    /// Whether `null` is a value of its own (e.g. `requesterIds: null` means all requests).
    pub nullable: bool,
}

/// One action the crate knows: its wire name and parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action {
    /// The wire name, e.g. `send-message`.
    pub name: &'static str,
    /// Every parameter it takes; any other is refused.
    pub params: &'static [Param],
}

/// The action called `name` (its wire name, e.g. `"send-message"`), if the crate knows it.
pub fn find(name: &str) -> Option<&'static Action> {
    CATALOGUE.iter().find(|a| a.name == name)
}

/// [`Kind`]'s variants in order, as `PACKED` numbers them.
const KINDS: [Kind; 11] = [
    Kind::String,
    Kind::Integer,
    Kind::Number,
    Kind::Boolean,
    Kind::Object,
    Kind::Array,
    Kind::Strings,
    Kind::Integers,
    Kind::Objects,
    Kind::IntegerOrString,
    Kind::StringOrStrings,
];

/// The parameters of the action at `place` in [`CATALOGUE`] as `PACKED` lists them, if there is
/// one: what [`find`] gives, read from text rather than a table of pointers (the wasm's size).
pub(crate) fn packed(place: usize) -> Option<Vec<Param>> {
    let mut fields = PACKED.split_ascii_whitespace();
    fields.by_ref().filter(|f| *f == "/").nth(place)?;
    // The next action's `/` (below '0') ends the list.
    let params = fields.map_while(|f| {
        let code = f.as_bytes().first()?.checked_sub(b'0')?;
        Some(Param {
            name: f.get(1..)?,
            kind: *KINDS.get(usize::from(code / 4))?,
            required: code & 2 != 0,
            nullable: code & 1 != 0,
        })
    });
    Some(params.collect())
}

/// Actions that only read (`get-*`, `fetch-*`, `search-*`, `is-*`, `download-*`): they need the
/// read permission and are retried like a GET. Every other action changes something.
pub fn is_read_only(name: &str) -> bool {
    ["get-", "fetch-", "search-", "is-", "download-"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// An action name goes into the URL path: lowercase letters, digits and `-`, at most 64.
pub fn check_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "An action name is a WaAPI action such as \"send-message\": lowercase letters, digits and -.",
        ))
    }
}

impl Action {
    /// Checks `params` against the catalogue: a JSON object, every required parameter present
    /// and not null, every present one of its JSON type, no name the action does not take.
    /// The message names the parameter.
    pub fn validate(&self, params: &Json) -> Result<(), Error> {
        check(self.name, self.params, params)
    }

    /// The request for instance `id`, after checking `params`. Hidden, as [`Request`] is.
    #[doc(hidden)]
    pub fn request(&self, id: u64, params: &Json) -> Result<Request, Error> {
        self.validate(params)?;
        Request::action(id, self.name, text(params))
    }
}

/// [`Action::validate`] for action `name`, which takes the parameters `takes` (from either form
/// of the catalogue).
pub(crate) fn check(name: &str, takes: &[Param], params: &Json) -> Result<(), Error> {
    let Json::Object(members) = params else {
        return Err(Error::invalid(cat!(
            "The parameters of ",
            name,
            " must be an object."
        )));
    };
    for (key, value) in members {
        let Some(param) = takes.iter().find(|p| p.name == key) else {
            return Err(unknown(name, takes, key));
        };
        let fits = param.kind.accepts(value) || (value.is_null() && param.nullable);
        if !fits {
            // JSON has no NaN or Infinity: JavaScript sends them as null.
            let null = if value.is_null() {
                ", not null (nor NaN or Infinity)"
            } else {
                ""
            };
            return Err(Error::invalid(cat!(
                name,
                ": \"",
                key,
                "\" must be ",
                param.kind.describe(),
                null,
                "."
            )));
        }
    }
    if let Some(missing) = takes
        .iter()
        .find(|p| p.required && !members.iter().any(|(k, _)| k == p.name))
    {
        return Err(Error::invalid(cat!(
            name,
            ": \"",
            missing.name,
            "\" is required (",
            missing.kind.describe(),
            ")."
        )));
    }
    Ok(())
}

fn unknown(name: &str, takes: &[Param], key: &str) -> Error {
    let hint = match takes.iter().find(|p| p.name.eq_ignore_ascii_case(key)) {
        Some(p) => cat!(" Did you mean \"", p.name, "\"?"),
        None if takes.is_empty() => " It takes none.".into(),
        None => {
            let mut all = String::from(" It takes ");
            for (n, p) in takes.iter().enumerate() {
                if n > 0 {
                    all.push_str(", ");
                }
                all.push_str(p.name);
            }
            all.push('.');
            all
        }
    };
    Error::invalid(cat!(name, " takes no parameter \"", key, "\".", hint))
}

/// Compact JSON text, written directly rather than through `Display` (no `core::fmt`).
pub(crate) fn text(v: &Json) -> String {
    let mut out = String::new();
    v.write(&mut out);
    out
}

/// The parameters of a typed action request, in the order set; what the generated builders
/// in [`crate::actions`] hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params(Vec<(&'static str, Json<'static>)>);

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }

    /// Sets `name`, replacing an earlier value.
    pub fn set(mut self, name: &'static str, value: impl Into<Json<'static>>) -> Params {
        let value = value.into();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
        self
    }

    /// The JSON object sent as the body.
    pub fn to_json(&self) -> Json<'static> {
        Json::Object(
            self.0
                .iter()
                .map(|(n, v)| ((*n).into(), v.clone()))
                .collect(),
        )
    }
}

impl From<String> for Json<'static> {
    fn from(s: String) -> Json<'static> {
        Json::String(s.into())
    }
}

impl From<&str> for Json<'static> {
    fn from(s: &str) -> Json<'static> {
        Json::String(s.to_owned().into())
    }
}

impl From<bool> for Json<'static> {
    fn from(b: bool) -> Json<'static> {
        Json::Bool(b)
    }
}

impl From<i64> for Json<'static> {
    fn from(n: i64) -> Json<'static> {
        Json::Number(n.to_string().into())
    }
}

/// A finite number; NaN and the infinities, which JSON cannot hold, become `null` (and the
/// validator then refuses them).
impl From<f64> for Json<'static> {
    fn from(n: f64) -> Json<'static> {
        if n.is_finite() {
            Json::Number(n.to_string().into())
        } else {
            Json::Null
        }
    }
}

impl<T: Into<Json<'static>>> From<Vec<T>> for Json<'static> {
    fn from(items: Vec<T>) -> Json<'static> {
        Json::Array(items.into_iter().map(Into::into).collect())
    }
}

/// Reads a typed answer out of an action's payload; `Err` says what did not fit.
pub trait FromJson: Sized {
    /// Reads `v`, or says why it does not fit.
    fn from_json(v: &Json) -> Result<Self, String>;
}

impl FromJson for Json<'static> {
    fn from_json(v: &Json) -> Result<Self, String> {
        Ok(v.clone().into_owned())
    }
}

/// Strings, and numbers as their text (labels' ids come both ways).
impl FromJson for String {
    fn from_json(v: &Json) -> Result<Self, String> {
        match v {
            Json::String(s) => Ok(s.to_string()),
            Json::Number(n) => Ok(n.to_string()),
            _ => Err("is not a string".into()),
        }
    }
}

/// Whole numbers, also as numeric strings (`"unreadCount": "0"` is seen).
impl FromJson for i64 {
    fn from_json(v: &Json) -> Result<Self, String> {
        let text = match v {
            Json::Number(n) => n.as_ref(),
            Json::String(s) => s.trim(),
            _ => "",
        };
        text.parse().map_err(|_| "is not a whole number".into())
    }
}

impl FromJson for f64 {
    fn from_json(v: &Json) -> Result<Self, String> {
        let text = match v {
            Json::Number(n) => n.as_ref(),
            Json::String(s) => s.trim(),
            _ => "",
        };
        text.parse().map_err(|_| "is not a number".into())
    }
}

/// `true`/`false`, also `0`/`1` and their strings.
impl FromJson for bool {
    fn from_json(v: &Json) -> Result<Self, String> {
        match v {
            Json::Bool(b) => Ok(*b),
            Json::Number(t) | Json::String(t) if t == "0" || t == "false" => Ok(false),
            Json::Number(t) | Json::String(t) if t == "1" || t == "true" => Ok(true),
            _ => Err("is not a boolean".into()),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Json) -> Result<Self, String> {
        match v {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(n, item)| T::from_json(item).map_err(|why| cat!("item ", n, " ", why)))
                .collect(),
            _ => Err("is not a list".into()),
        }
    }
}

/// The member `key` of an object payload; absent or `null` is `None`.
pub fn field<T: FromJson>(obj: &Json, key: &str) -> Result<Option<T>, String> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(v) => T::from_json(v)
            .map(Some)
            .map_err(|why| cat!("`", key, "` ", why)),
    }
}

/// An object payload; `null` and PHP's empty array `[]` stand for an empty object.
pub fn object<'j, 'a>(v: &'j Json<'a>) -> Result<&'j Json<'a>, String> {
    static EMPTY: Json<'static> = Json::Object(Vec::new());
    match v {
        Json::Object(_) => Ok(v),
        Json::Null => Ok(&EMPTY),
        Json::Array(items) if items.is_empty() => Ok(&EMPTY),
        _ => Err("the answer is not an object".into()),
    }
}

impl Client {
    /// Sends an action's request and hands back its payload, every status on the way checked.
    pub(crate) async fn action_payload<T>(
        &self,
        request: &Request,
        read: impl FnOnce(&Json) -> Result<T, String>,
    ) -> Result<T, Error> {
        let body = self.send(request).await?;
        self.finish(body.reply().and_then(|r| {
            let payload = r.action_payload()?;
            read(payload).map_err(|why| r.decode_error(why))
        }))
    }
}

impl InstanceClient<'_> {
    /// Runs any action by its wire name, with `params` (a JSON object) sent as given: the
    /// escape hatch for actions this crate does not know yet. Resolves to the payload.
    ///
    /// ```no_run
    /// # async fn demo(client: waapi_wasm::Client) -> Result<(), waapi_wasm::Error> {
    /// use waapi_wasm::json::Json;
    /// let params = Json::parse(r#"{"chatId": "4915112345678@c.us"}"#).unwrap();
    /// let chat = client.instance(1).action("get-chat-by-id", &params).await?;
    /// # Ok(()) }
    /// ```
    pub async fn action(self, name: &str, params: &Json<'_>) -> Result<Json<'static>, Error> {
        if !params.is_object() {
            return Err(Error::invalid(cat!(
                "The parameters of ",
                name,
                " must be an object."
            )));
        }
        let request = self
            .client
            .finish(Request::action(self.id, name, text(params)))?;
        self.client
            .action_payload(&request, |p| Ok(p.clone().into_owned()))
            .await
    }

    /// Runs an action the crate knows with `params` built at run time, checked against the
    /// catalogue before anything is sent (the typed methods in [`crate::actions`] do the same).
    ///
    /// ```no_run
    /// # async fn demo(client: waapi_wasm::Client) -> Result<(), waapi_wasm::Error> {
    /// use waapi_wasm::{action, json::Json};
    /// let send = action::find("send-message").expect("a known action");
    /// let params = Json::parse(r#"{"chatId": "4915112345678@c.us", "message": "Hi"}"#).unwrap();
    /// let sent = client.instance(1).run(send, &params).await?;
    /// # Ok(()) }
    /// ```
    pub async fn run(self, action: &Action, params: &Json<'_>) -> Result<Json<'static>, Error> {
        let request = self.client.finish(action.request(self.id, params))?;
        self.client
            .action_payload(&request, |p| Ok(p.clone().into_owned()))
            .await
    }

    /// A generated method's call: `params` checked against the catalogue, the payload read as `T`.
    pub(crate) async fn call<T: FromJson>(
        &self,
        place: usize,
        name: &'static str,
        params: &Params,
    ) -> Result<T, Error> {
        debug_assert_eq!(CATALOGUE.get(place).map(|a| a.name), Some(name));
        let takes = packed(place).ok_or_else(|| Error::invalid("Unknown action."))?;
        let params = params.to_json();
        let checked = check(name, &takes, &params);
        let request = self
            .client
            .finish(checked.and_then(|()| Request::action(self.id, name, text(&params))))?;
        self.client.action_payload(&request, T::from_json).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{GetChatsItem, SendMessageAnswer};
    use crate::request::{Method, Permission};

    fn json(text: &str) -> Json<'static> {
        Json::parse(text).unwrap().into_owned()
    }

    fn invalid(action: &str, params: &str) -> String {
        let e = find(action).unwrap().validate(&json(params)).unwrap_err();
        assert_eq!(e.kind().as_str(), "invalid_input", "{e}");
        e.to_string()
    }

    #[test]
    fn the_catalogue_is_whole_and_well_formed() {
        assert_eq!(CATALOGUE.len(), 122);
        for (n, a) in CATALOGUE.iter().enumerate() {
            check_name(a.name).unwrap();
            assert!(
                CATALOGUE[..n].iter().all(|b| b.name != a.name),
                "{} twice",
                a.name
            );
            for (m, p) in a.params.iter().enumerate() {
                assert!(
                    a.params[..m].iter().all(|q| q.name != p.name),
                    "{}.{} twice",
                    a.name,
                    p.name
                );
            }
            assert_eq!(find(a.name), Some(a));
        }
        assert_eq!(find("send-messages"), None);
    }

    #[test]
    fn the_packed_catalogue_is_the_catalogue() {
        for (place, a) in CATALOGUE.iter().enumerate() {
            let params = packed(place).unwrap();
            assert_eq!(params, a.params, "{}", a.name);
        }
        assert_eq!(
            PACKED
                .split_ascii_whitespace()
                .filter(|f| *f == "/")
                .count(),
            CATALOGUE.len()
        );
        assert!(packed(CATALOGUE.len()).is_none());
        assert!(packed(usize::MAX).is_none());
    }

    /// A value of `kind` that carries the parameter's name where the kind can, so that a
    /// parameter sent under another's name shows.
    fn sample(p: &Param, n: usize) -> Json<'static> {
        let text = || Json::from(format!("{}-value", p.name));
        match p.kind {
            Kind::String | Kind::IntegerOrString | Kind::StringOrStrings => text(),
            Kind::Integer => Json::from(100 + n as i64),
            Kind::Number => Json::from(n as f64 + 0.5),
            Kind::Boolean => Json::Bool(n % 2 == 0),
            Kind::Object => Json::Object(vec![(p.name.into(), text())]),
            Kind::Array | Kind::Strings => Json::Array(vec![text()]),
            Kind::Integers => Json::Array(vec![Json::from(n as i64)]),
            Kind::Objects => Json::Array(vec![Json::Object(vec![(p.name.into(), text())])]),
        }
    }

    #[test]
    fn every_action_request_carries_each_parameter_under_its_own_name() {
        for a in CATALOGUE {
            let params = Json::Object(
                a.params
                    .iter()
                    .enumerate()
                    .map(|(n, p)| (p.name.into(), sample(p, n)))
                    .collect(),
            );
            let r = a.request(42, &params).unwrap();
            assert_eq!(r.method, Method::Post);
            assert_eq!(
                r.path,
                format!("/instances/42/client/action/{}", a.name),
                "{}",
                a.name
            );
            let body = Json::parse(r.body.as_deref().unwrap()).unwrap();
            for (n, p) in a.params.iter().enumerate() {
                assert_eq!(
                    body.get(p.name),
                    Some(&sample(p, n)),
                    "{}.{}",
                    a.name,
                    p.name
                );
            }
            assert_eq!(body, params, "{}: nothing more is sent", a.name);
            assert_eq!(r.instance, Some(42));
            assert_eq!(r.idempotent, is_read_only(a.name), "{}", a.name);
            let want = if is_read_only(a.name) {
                Permission::Read
            } else {
                Permission::Update
            };
            assert_eq!(r.permission, want, "{}", a.name);
            // Only the required ones: still valid; none at all sends `{}` when none is required.
            let required = Json::Object(
                a.params
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.required)
                    .map(|(n, p)| (p.name.into(), sample(p, n)))
                    .collect(),
            );
            assert!(a.validate(&required).is_ok(), "{}", a.name);
            if a.params.iter().all(|p| !p.required) {
                assert_eq!(
                    a.request(1, &json("{}")).unwrap().body.as_deref(),
                    Some("{}")
                );
            }
        }
    }

    #[test]
    fn read_only_actions_are_the_getters() {
        for name in [
            "get-chats",
            "fetch-messages",
            "search-messages",
            "is-registered-user",
            "download-media",
        ] {
            assert!(is_read_only(name), "{name}");
        }
        for name in [
            "send-message",
            "create-group",
            "logout",
            "reboot",
            "delete-contact",
            "getter-like",
            "set-status",
        ] {
            assert!(!is_read_only(name), "{name}");
        }
        let r = Request::action(1, "send-message", "{}".into()).unwrap();
        assert!(!r.idempotent);
        assert_eq!(r.action, "run send-message");
    }

    #[test]
    fn validation_names_the_parameter() {
        assert!(invalid("send-message", r#"{"chatId":"a@c.us"}"#)
            .contains("\"message\" is required (a string)"));
        assert!(invalid("send-message", r#"{"chatId":null,"message":"m"}"#)
            .contains("\"chatId\" must be a string, not null (nor NaN or Infinity)"));
        let typo = invalid("send-message", r#"{"chatID":"a@c.us","message":"m"}"#);
        assert!(
            typo.contains("no parameter \"chatID\"") && typo.contains("Did you mean \"chatId\"?"),
            "{typo}"
        );
        let unknown = invalid("get-chats", r#"{"page":1}"#);
        assert!(unknown.contains("It takes offset, limit."), "{unknown}");
        assert!(invalid("get-contacts", r#"{"x":1}"#).contains("It takes none."));
        assert!(invalid("send-message", "[]").contains("must be an object"));
        assert!(invalid("send-message", r#""text""#).contains("must be an object"));
        let wrong = [
            (
                "fetch-messages",
                r#"{"chatId":"a@c.us","limit":1.5}"#,
                "\"limit\" must be a whole number",
            ),
            (
                "fetch-messages",
                r#"{"chatId":"a@c.us","limit":"10"}"#,
                "\"limit\" must be a whole number",
            ),
            (
                "fetch-messages",
                r#"{"chatId":"a@c.us","limit":9007199254740992}"#,
                "\"limit\" must be a whole number",
            ),
            (
                "fetch-messages",
                r#"{"chatId":"a@c.us","includeMedia":"yes"}"#,
                "\"includeMedia\" must be true or false",
            ),
            (
                "send-location",
                r#"{"chatId":"a@c.us","latitude":"52.5","longitude":13.4}"#,
                "\"latitude\" must be a number",
            ),
            (
                "send-message",
                r#"{"chatId":"a@c.us","message":"m","mentions":[1]}"#,
                "\"mentions\" must be an array of strings",
            ),
            (
                "send-message",
                r#"{"chatId":"a@c.us","message":"m","mentions":"1@c.us"}"#,
                "\"mentions\" must be an array of strings",
            ),
            (
                "send-vcard",
                r#"{"chatId":"a@c.us","vCard":[]}"#,
                "\"vCard\" must be an object",
            ),
            (
                "send-event",
                r#"{"chatId":"a@c.us","name":"n","startTime":true}"#,
                "\"startTime\" must be a whole number or a string",
            ),
            (
                "change-chat-labels",
                r#"{"chatId":"a@c.us","labelIds":{}}"#,
                "\"labelIds\" must be an array",
            ),
            (
                "accept-group-member-requests",
                r#"{"chatId":"g@g.us","requesterIds":[1]}"#,
                "a string or an array of strings",
            ),
        ];
        for (action, params, want) in wrong {
            let got = invalid(action, params);
            assert!(got.contains(want), "{action} {params}: {got}");
        }
        let ok = [
            (
                "fetch-messages",
                r#"{"chatId":"a@c.us","limit":-3,"fromMe":null}"#,
            ),
            (
                "send-location",
                r#"{"chatId":"a@c.us","latitude":52,"longitude":-13.4e0}"#,
            ),
            (
                "send-event",
                r#"{"chatId":"a@c.us","name":"n","startTime":1788550000}"#,
            ),
            (
                "send-event",
                r#"{"chatId":"a@c.us","name":"n","startTime":"2026-12-24T18:00:00Z"}"#,
            ),
            (
                "accept-group-member-requests",
                r#"{"chatId":"g@g.us","requesterIds":null}"#,
            ),
            (
                "accept-group-member-requests",
                r#"{"chatId":"g@g.us","requesterIds":"1@c.us"}"#,
            ),
            (
                "accept-group-member-requests",
                r#"{"chatId":"g@g.us","requesterIds":["1@c.us"]}"#,
            ),
            ("pin-message", r#"{"messageId":"m","duration":null}"#),
            ("get-chats", "{}"),
        ];
        for (action, params) in ok {
            let r = find(action).unwrap().validate(&json(params));
            assert!(r.is_ok(), "{action} {params}: {r:?}");
        }
    }

    #[test]
    fn names_for_the_escape_hatch() {
        for good in ["send-message", "a", "future-action-2"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        let long = "a".repeat(65);
        for bad in [
            "",
            "-x",
            "Send-Message",
            "send_message",
            "a/b",
            "../x",
            "a?b=1",
            "a b",
            "é",
            &long,
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
            assert!(Request::action(1, bad, "{}".into()).is_err(), "{bad}");
        }
        assert!(Request::action(0, "get-chats", "{}".into()).is_err());
    }

    #[test]
    fn typed_answers_are_tolerant() {
        let item = GetChatsItem::from_json(&json(
            r#"{"id":{"server":"c.us","user":"49","_serialized":"49@c.us"},"name":"Erika","unreadCount":"2","isGroup":0,"pinned":true,"future":[1]}"#,
        ))
        .unwrap();
        assert_eq!(item.unreadCount, Some(2));
        assert_eq!(item.isGroup, Some(false));
        assert_eq!(item.pinned, Some(true));
        assert_eq!(item.archived, None);
        assert_eq!(
            item.id
                .as_ref()
                .and_then(|id| id.get("_serialized"))
                .and_then(Json::as_str),
            Some("49@c.us")
        );
        assert!(item.raw.get("future").is_some(), "unknown fields are kept");
        let bad = GetChatsItem::from_json(&json(r#"{"unreadCount":"many"}"#)).unwrap_err();
        assert!(bad.contains("`unreadCount` is not a whole number"), "{bad}");
        let empty = SendMessageAnswer::from_json(&json("[]")).unwrap();
        assert_eq!(empty._data, None);
        assert!(SendMessageAnswer::from_json(&json("5")).is_err());
        assert_eq!(Vec::<i64>::from_json(&json("[1,\"2\"]")), Ok(vec![1, 2]));
        assert!(Vec::<i64>::from_json(&json("[1,true]"))
            .unwrap_err()
            .contains("item 1"));
        assert_eq!(f64::from_json(&json("-1.25e2")), Ok(-125.0));
        assert_eq!(String::from_json(&json("7")), Ok("7".into()));
    }

    #[test]
    fn params_keep_their_order_and_the_last_value() {
        let p = Params::new()
            .set("b", 1_i64)
            .set("a", "x")
            .set("b", vec!["y"])
            .set("c", f64::NAN);
        assert_eq!(text(&p.to_json()), r#"{"b":["y"],"a":"x","c":null}"#);
        let e = find("send-location")
            .unwrap()
            .validate(
                &Params::new()
                    .set("chatId", "a@c.us")
                    .set("latitude", f64::INFINITY)
                    .set("longitude", 1.0)
                    .to_json(),
            )
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("\"latitude\" must be a number, not null"),
            "{e}"
        );
    }
}
