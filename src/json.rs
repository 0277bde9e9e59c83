//! A small JSON reader and writer.
//!
//! The crate reads response bodies as text and parses them here rather than through serde:
//! serde_json and the serde generics cost about 20 KB of gzipped wasm (measured in
//! `TOOLCHAIN.md`), and WaAPI's tolerant envelopes need hand-written decoding anyway.
//! Numbers keep their source text, so no float parsing or formatting is linked in. Strings
//! and member names borrow from the text unless they hold escapes, so parsing a large list
//! allocates little beyond the tree's vectors.

use alloc::borrow::Cow;
use core::fmt;

use crate::prelude::*;
use crate::text::cat;

/// Nesting deeper than this is refused instead of recursing into a stack overflow.
const MAX_DEPTH: usize = 128;

/// A parsed JSON value, borrowing from the text it was parsed from. Objects keep their
/// members in source order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// The number's source text, already checked against the JSON grammar.
    Number(Cow<'a, str>),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object's members in source order, duplicates kept.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Why a text is not JSON: a byte offset and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where in the text, in bytes.
    pub offset: usize,
    /// What the parser expected there, e.g. "a value".
    pub expected: &'static str,
}

/// "expected … at byte …", worded once, in [`crate::text`].
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&cat!(self))
    }
}

impl<'a> Json<'a> {
    /// Parses a complete JSON text (surrounding white space allowed).
    ///
    /// ```
    /// use waapi_wasm::json::Json;
    /// let v = Json::parse(r#"{"id": 7, "tags": ["a"]}"#).unwrap();
    /// assert_eq!(v.get("id").and_then(Json::as_u64), Some(7));
    /// ```
    pub fn parse(text: &'a str) -> Result<Json<'a>, ParseError> {
        let mut p = Parser {
            text,
            s: text.as_bytes(),
            i: 0,
        };
        p.ws();
        let v = p.value(0)?;
        p.ws();
        if p.i != p.s.len() {
            return Err(p.err("end of input"));
        }
        Ok(v)
    }

    /// The same value, owning its text.
    pub fn into_owned(self) -> Json<'static> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(b),
            Json::Number(n) => Json::Number(Cow::Owned(n.into_owned())),
            Json::String(s) => Json::String(Cow::Owned(s.into_owned())),
            Json::Array(items) => Json::Array(items.into_iter().map(Json::into_owned).collect()),
            Json::Object(members) => Json::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }

    /// The member `key` of an object; `None` for a missing key or a non-object. Of duplicate
    /// keys the last counts, as in `JSON.parse` (which WaAPI's server and every JavaScript
    /// client use): what this crate checks is what they read.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items of an array.
    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Whether it is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// Whether it is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// A non-negative integer written without fraction or exponent, as ids are.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(text) => parse_u64(text),
            _ => None,
        }
    }

    /// Writes this value as compact JSON text.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(true) => out.push_str("true"),
            Json::Bool(false) => out.push_str("false"),
            Json::Number(text) => out.push_str(text),
            Json::String(s) => write_str(out, s),
            Json::Array(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (n, (k, v)) in members.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}

/// Parses the digits of a non-negative integer; `None` for anything else or on overflow.
pub fn parse_u64(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for b in text.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// Writes digits without `core::fmt`, which this path otherwise does not need.
pub fn write_u64(out: &mut String, mut n: u64) {
    // Least significant first; u64::MAX has 20 digits, so every `get_mut` finds its slot.
    let mut digits = [0u8; 20];
    let mut len = 0;
    for slot in digits.iter_mut() {
        *slot = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in digits.iter().take(len).rev() {
        out.push(char::from(d));
    }
}

/// Writes `s` as a JSON string literal, quotes included.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // Both ends sit next to ASCII bytes, so they are char boundaries (`get` never fails).
        out.push_str(s.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, expected: &'static str) -> ParseError {
        ParseError {
            offset: self.i,
            expected,
        }
    }

    /// The text from byte `start` to `end`. The parser only stops next to ASCII bytes (quotes,
    /// backslashes, digits, escapes), so both are char boundaries and `get` never fails.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8, expected: &'static str) -> Result<(), ParseError> {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(expected))
        }
    }

    fn literal(&mut self, word: &'static str, v: Json<'a>) -> Result<Json<'a>, ParseError> {
        if self.s.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err(word))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err("less nesting"));
        }
        match self.s.get(self.i) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.err("a value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json<'a>, ParseError> {
        self.i += 1;
        let mut members = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("a member name"));
            }
            let key = self.string()?;
            self.ws();
            self.eat(b':', "':'")?;
            self.ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.err("',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json<'a>, ParseError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.err("',' or ']'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Json<'a>, ParseError> {
        let start = self.i;
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("a digit")),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.err("a digit"));
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("a digit"));
            }
        }
        Ok(Json::Number(Cow::Borrowed(self.slice(start, self.i))))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.s.get(self.i) {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => return Err(self.err("a hex digit")),
            };
            n = n * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.i += 1;
        let start = self.i;
        self.plain_run();
        if self.s.get(self.i) == Some(&b'"') {
            self.i += 1;
            return Ok(Cow::Borrowed(self.slice(start, self.i - 1)));
        }
        let mut out = String::from(self.slice(start, self.i));
        loop {
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = match self.s.get(self.i) {
                        Some(b'u') => {
                            self.i += 1;
                            self.unicode_escape()?
                        }
                        Some(&letter) => {
                            let c = match letter {
                                b'"' => '"',
                                b'\\' => '\\',
                                b'/' => '/',
                                b'b' => '\u{8}',
                                b'f' => '\u{c}',
                                b'n' => '\n',
                                b'r' => '\r',
                                b't' => '\t',
                                _ => return Err(self.err("an escape")),
                            };
                            self.i += 1;
                            c
                        }
                        None => return Err(self.err("an escape")),
                    };
                    out.push(c);
                }
                _ => return Err(self.err("'\"'")),
            }
            let run = self.i;
            self.plain_run();
            out.push_str(self.slice(run, self.i));
        }
    }

    /// Steps over bytes that need no escape handling.
    fn plain_run(&mut self) {
        while let Some(&b) = self.s.get(self.i) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            self.i += 1;
        }
    }

    /// Reads the hex digits after `\u`, joining a surrogate pair; a lone surrogate becomes U+FFFD.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.s.get(self.i..self.i + 2) == Some(b"\\u") {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
            }
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) -> String {
        Json::parse(text).unwrap().to_string()
    }

    #[test]
    fn parses_and_writes_every_kind_of_value() {
        let text = r#" { "a" : [1, -2.5e3, 0, true, false, null], "b": {"c": "d\"\\\/\n\u00e9\ud83d\ude00"}, "e": {} , "f": [] } "#;
        assert_eq!(
            roundtrip(text),
            "{\"a\":[1,-2.5e3,0,true,false,null],\"b\":{\"c\":\"d\\\"\\\\/\\né😀\"},\"e\":{},\"f\":[]}"
        );
    }

    #[test]
    fn keeps_member_order_and_duplicate_lookup_finds_the_last_as_json_parse_does() {
        let v = Json::parse(r#"{"z":1,"a":2,"z":3}"#).unwrap();
        assert_eq!(v.to_string(), r#"{"z":1,"a":2,"z":3}"#);
        assert_eq!(v.get("z").and_then(Json::as_u64), Some(3));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "\"abc",
            "\"a\tb\"",
            "\"\\x\"",
            "{\"a\" 1}",
            "[1] [2]",
            "<html>",
            "{'a':1}",
        ] {
            assert!(Json::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing_the_stack() {
        let deep = "[".repeat(100_000);
        assert_eq!(Json::parse(&deep).unwrap_err().expected, "less nesting");
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(Json::parse(&ok).is_ok());
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let v = Json::parse(r#""\ud800x\udc00""#).unwrap();
        assert_eq!(v.as_str(), Some("\u{FFFD}x\u{FFFD}"));
    }

    #[test]
    fn integers_only_as_u64() {
        let n = |t: &str| Json::parse(t).unwrap().as_u64();
        assert_eq!(n("42"), Some(42));
        assert_eq!(n("18446744073709551615"), Some(u64::MAX));
        assert_eq!(n("18446744073709551616"), None);
        assert_eq!(n("-1"), None);
        assert_eq!(n("1.5"), None);
        assert_eq!(n("1e3"), None);
        assert_eq!(n("\"7\""), None);
    }

    #[test]
    fn escapes_control_characters_when_writing() {
        let mut out = String::new();
        write_str(&mut out, "a\u{1}b\u{1f}\"\\");
        assert_eq!(out, r#""a\u0001b\u001f\"\\""#);
        assert_eq!(
            Json::parse(&out).unwrap().as_str(),
            Some("a\u{1}b\u{1f}\"\\")
        );
    }
}
