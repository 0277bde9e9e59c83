//! Making inputs: a seed's JSON tree changed where the decoders look (a status turned to
//! "error", a member renamed, removed or doubled, a value of another type, nesting around the
//! parser's limit), then its bytes (flips, cuts, copies, dictionary words), or random bytes.

use waapi_wasm::json::Json;

use crate::targets::{Shape, TOKEN};
use crate::Rng;

/// Inputs stay below this, so that a run's time goes to many inputs rather than a few huge
/// ones (the size check covers large bodies).
const MAX_INPUT: usize = 64 * 1024;

/// Words spliced into inputs and used as member names: JSON's and the targets' own grammar,
/// plus every quoted string of the seeds and of the generated actions (member names the
/// typed answers read).
pub struct Dictionary {
    words: Vec<Vec<u8>>,
    keys: Vec<String>,
}

const WORDS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "\\",
    "\\u",
    "\\ud800",
    "\\udc00",
    "\\ud83d\\ude00",
    "\\u0000",
    "\\\"",
    "null",
    "true",
    "false",
    "-0",
    "1e999",
    "-1",
    "0",
    "01",
    "1.5",
    "1e3",
    "9007199254740991",
    "9007199254740992",
    "18446744073709551615",
    "18446744073709551616",
    "\"error\"",
    "\"ERROR\"",
    "\"success\"",
    "[]",
    "{}",
    "é",
    "😀",
    "\u{FFFD}",
    "\n",
    " ",
    "\t",
    "%2e%2e",
    "%2F",
    "%00",
    "%",
    "..",
    "//",
    "/",
    "?",
    "&",
    "=",
    "+",
    ";",
    "GMT",
    "Nov",
    "read",
    "create",
    "update",
    "delete",
    "Bearer ",
    "/api/v1/instances",
    "/client/action/",
    "/events",
    "/stream",
    "https://",
    "http://",
    "[::1]",
    "@",
    "#",
    ":65536",
    "data:image/png;base64,",
    "EDGE_KEYS=",
    "WAAPI_TOKEN=",
    "WAAPI_BASE_URL=",
    "WEBHOOK_SECRET=",
    "ALLOWED_ORIGINS=",
    TOKEN,
];

impl Dictionary {
    pub fn new(seeds: &[Vec<u8>], source: &str) -> Dictionary {
        let mut keys: Vec<String> = Vec::new();
        for text in seeds
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .chain([source.to_owned()])
        {
            for (n, part) in text.split('"').enumerate() {
                let word = n % 2 == 1
                    && (1..=40).contains(&part.len())
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if word && !keys.iter().any(|k| k == part) {
                    keys.push(part.to_owned());
                }
            }
        }
        let mut words: Vec<Vec<u8>> = WORDS.iter().map(|w| w.as_bytes().to_vec()).collect();
        words.extend(keys.iter().map(|k| format!("\"{k}\"").into_bytes()));
        words.extend([b"\xff".to_vec(), b"\xc3".to_vec(), b"\xed\xa0\x80".to_vec()]);
        Dictionary { words, keys }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// A new input from `seed` (and `donor`, another input of the same target).
pub fn mutate(
    rng: &mut Rng,
    dict: &Dictionary,
    shape: Shape,
    seed: &[u8],
    donor: &[u8],
) -> Vec<u8> {
    if rng.one_in(12) {
        return random_bytes(rng);
    }
    let mut out = match shape {
        Shape::Json if !rng.one_in(4) => {
            tree(rng, dict, seed, donor).unwrap_or_else(|| seed.to_vec())
        }
        Shape::HeaderJson if !rng.one_in(4) => {
            let (head, body) = split_line(seed);
            let (_, donor_body) = split_line(donor);
            // Now and then another input's first line (an action's name, a status) over this body.
            let head = if rng.one_in(8) {
                split_line(donor).0
            } else {
                head
            };
            let mut out = head.to_vec();
            out.push(b'\n');
            out.extend(tree(rng, dict, body, donor_body).unwrap_or_else(|| body.to_vec()));
            out
        }
        _ => seed.to_vec(),
    };
    let byte_rounds = match shape {
        Shape::Text => 1 + rng.below(6),
        // A tree mutation alone reaches deeper; bytes on top now and then.
        _ if rng.one_in(3) => 1 + rng.below(4),
        _ => 0,
    };
    for _ in 0..byte_rounds {
        bytes(rng, dict, &mut out, donor);
    }
    out.truncate(MAX_INPUT);
    out
}

fn split_line(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|&b| b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[]),
    }
}

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    const JSONISH: &[u8] = b"{}[]\":,0123456789.-eE+tfnulrsa \\/\n";
    let len = if rng.one_in(8) {
        rng.below(1024)
    } else {
        rng.below(64)
    };
    let jsonish = rng.one_in(2);
    (0..len)
        .map(|_| {
            if jsonish {
                *rng.pick(JSONISH)
            } else {
                rng.next_u64() as u8
            }
        })
        .collect()
}

fn parse(bytes: &[u8]) -> Option<Json<'static>> {
    let text = std::str::from_utf8(bytes).ok()?;
    Json::parse(text).ok().map(Json::into_owned)
}

/// One to four changes to the seed's tree, written back as JSON; `None` if it is not JSON.
fn tree(rng: &mut Rng, dict: &Dictionary, seed: &[u8], donor: &[u8]) -> Option<Vec<u8>> {
    let mut v = parse(seed)?;
    let donor = parse(donor);
    for _ in 0..1 + rng.below(4) {
        change(rng, dict, &mut v, donor.as_ref());
    }
    let mut out = String::new();
    v.write(&mut out);
    Some(out.into_bytes())
}

/// A node of `v`, found by walking down from the root.
fn pick_node<'t>(rng: &mut Rng, mut v: &'t mut Json<'static>) -> &'t mut Json<'static> {
    loop {
        let n = match v {
            Json::Array(items) => items.len(),
            Json::Object(members) => members.len(),
            _ => 0,
        };
        if n == 0 || rng.one_in(3) {
            return v;
        }
        let i = rng.below(n);
        v = match v {
            Json::Array(items) => &mut items[i],
            Json::Object(members) => &mut members[i].1,
            _ => unreachable!("only arrays and objects have children"),
        };
    }
}

fn number(text: &str) -> Json<'static> {
    Json::Number(text.to_owned().into())
}

fn string(text: impl Into<String>) -> Json<'static> {
    Json::String(text.into().into())
}

/// Values that sit on the decoders' edges.
fn interesting(rng: &mut Rng, dict: &Dictionary) -> Json<'static> {
    const NUMBERS: &[&str] = &[
        "0",
        "-0",
        "1",
        "-1",
        "2",
        "1.5",
        "1e3",
        "-1e-3",
        "9007199254740991",
        "9007199254740992",
        "18446744073709551615",
        "18446744073709551616",
        "1e999",
        "-9223372036854775808",
        "1788550000",
    ];
    const STRINGS: &[&str] = &[
        "",
        "error",
        "ERROR",
        "success",
        "message",
        "ready",
        "1",
        " 1",
        "007",
        "-1",
        "0",
        "true",
        "data:image/png;base64,",
        "data:image/png;base64,iVBORw0KGgo=",
        "https://h.example/w",
        "\u{0}",
        "\n",
        "é😀",
        "\u{FFFD}",
        "\u{2028}",
        TOKEN,
    ];
    match rng.below(8) {
        0 => Json::Null,
        1 => Json::Bool(rng.one_in(2)),
        2 => number(NUMBERS[rng.below(NUMBERS.len())]),
        3 => string(*rng.pick(STRINGS)),
        4 => string(rng.pick(&dict.keys).clone()),
        5 => Json::Array(Vec::new()),
        6 => Json::Object(Vec::new()),
        _ => string("x\"\\\u{1}é".repeat(1 + rng.below(300))),
    }
}

/// Arrays or objects nested around the parser's limit (128).
fn deep(rng: &mut Rng) -> Json<'static> {
    let mut v = Json::Null;
    for _ in 0..100 + rng.below(40) {
        v = if rng.one_in(2) {
            Json::Array(vec![v])
        } else {
            Json::Object(vec![("data".into(), v)])
        };
    }
    v
}

fn change(
    rng: &mut Rng,
    dict: &Dictionary,
    root: &mut Json<'static>,
    donor: Option<&Json<'static>>,
) {
    let key =
        |rng: &mut Rng| -> std::borrow::Cow<'static, str> { rng.pick(&dict.keys).clone().into() };
    let node = pick_node(rng, root);
    match rng.below(13) {
        0 | 1 => *node = interesting(rng, dict),
        2 => *node = Json::Array(vec![std::mem::replace(node, Json::Null)]),
        3 => {
            let inner = std::mem::replace(node, Json::Null);
            *node = Json::Object(vec![(key(rng), inner)]);
        }
        4 => match node {
            Json::Array(items) if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            Json::Object(members) if !members.is_empty() => {
                members.remove(rng.below(members.len()));
            }
            _ => *node = Json::Null,
        },
        5 => match node {
            Json::Array(items) if !items.is_empty() => {
                let copy = items[rng.below(items.len())].clone();
                items.insert(rng.below(items.len() + 1), copy);
            }
            Json::Object(members) if !members.is_empty() => {
                let copy = members[rng.below(members.len())].clone();
                members.insert(rng.below(members.len() + 1), copy);
            }
            _ => {}
        },
        6 => {
            if let Json::Object(members) = node {
                if !members.is_empty() {
                    let i = rng.below(members.len());
                    members[i].0 = key(rng);
                }
            }
        }
        7 => match node {
            Json::Object(members) => {
                let value = interesting(rng, dict);
                members.insert(rng.below(members.len() + 1), (key(rng), value));
            }
            Json::Array(items) => {
                let value = interesting(rng, dict);
                items.insert(rng.below(items.len() + 1), value);
            }
            _ => {}
        },
        8 => {
            if let Json::Object(members) = node {
                let status = string(*rng.pick(&["error", "ERROR", "success", "Error ", ""]));
                match members.iter_mut().find(|(k, _)| k == "status") {
                    Some(slot) => slot.1 = status,
                    None => members.push(("status".into(), status)),
                }
            }
        }
        9 => {
            let changed = match &mut *node {
                Json::Number(n) => string(n.to_string()),
                Json::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                    number(s)
                }
                Json::String(_) => number("12"),
                Json::Bool(b) => number(if *b { "1" } else { "0" }),
                other => Json::Array(vec![std::mem::replace(other, Json::Null)]),
            };
            *node = changed;
        }
        10 => *node = deep(rng),
        11 => {
            if let Some(donor) = donor {
                let mut donor = donor.clone();
                *node = pick_node(rng, &mut donor).clone();
            }
        }
        _ => match node {
            Json::Array(items) => items.reverse(),
            Json::Object(members) => members.reverse(),
            _ => *node = interesting(rng, dict),
        },
    }
}

/// One change to the bytes.
fn bytes(rng: &mut Rng, dict: &Dictionary, out: &mut Vec<u8>, donor: &[u8]) {
    let len = out.len();
    let at = |rng: &mut Rng| rng.below(len + 1);
    match rng.below(10) {
        0 if len > 0 => {
            let i = rng.below(len);
            out[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            out[i] = rng.next_u64() as u8;
        }
        2 | 3 => {
            let i = at(rng);
            let word = rng.pick(&dict.words).clone();
            out.splice(i..i, word);
        }
        4 if len > 0 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(16.min(len - start))).min(len);
            out.drain(start..end);
        }
        5 if len > 0 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(64.min(len - start))).min(len);
            let copy = out[start..end].to_vec();
            let i = at(rng);
            out.splice(i..i, copy);
        }
        6 => out.truncate(at(rng)),
        7 if !donor.is_empty() => {
            // Splice: a head of this input, a tail of the donor.
            let from = rng.below(donor.len());
            out.truncate(at(rng));
            out.extend_from_slice(&donor[from..]);
        }
        8 => {
            let i = at(rng);
            out.insert(i, rng.next_u64() as u8);
        }
        _ => {
            // A run of digits becomes a number at an edge.
            let edges: &[&[u8]] = &[
                b"0",
                b"00",
                b"-1",
                b"65536",
                b"9007199254740992",
                b"99999999999999999999999",
            ];
            if let Some(start) = out.iter().position(u8::is_ascii_digit) {
                let end = out[start..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(out.len(), |e| start + e);
                out.splice(start..end, rng.pick(edges).to_vec());
            }
        }
    }
}
