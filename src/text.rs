//! Text joined from pieces without `core::fmt`: [`cat!`] is `format!` for the crate's
//! messages. The npm build (`no_std`, src/lib.rs) leaves `core::fmt` out of its wasm as long as
//! nothing on its paths formats: `format!` is not in its prelude, but `write!` or `to_string` on
//! a number would bring `core::fmt` back (1.5 KB gzip). The Display and Debug impls, which Rust
//! callers use, still format.

use alloc::borrow::Cow;

use crate::json::{write_u64, ParseError};
use crate::prelude::*;

/// Something [`cat!`] can append.
pub(crate) trait Piece {
    /// Appends itself to `out`.
    fn add_to(&self, out: &mut String);
}

impl Piece for str {
    fn add_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn add_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for Cow<'_, str> {
    fn add_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn add_to(&self, out: &mut String) {
        (**self).add_to(out);
    }
}

/// Words joined by ", ", as `[..].join(", ")` writes them (without `join`'s panic path).
#[cfg(feature = "js")]
pub(crate) struct Listed<'a>(pub &'a [&'a str]);

#[cfg(feature = "js")]
impl Piece for Listed<'_> {
    fn add_to(&self, out: &mut String) {
        for (n, word) in self.0.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            out.push_str(word);
        }
    }
}

/// In decimal, as `{}` writes it.
macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn add_to(&self, out: &mut String) {
                write_u64(out, *self as u64);
            }
        }
    )*};
}
unsigned!(u16, u32, u64, usize);

/// What its Display impl writes.
impl Piece for ParseError {
    fn add_to(&self, out: &mut String) {
        out.push_str("expected ");
        out.push_str(self.expected);
        out.push_str(" at byte ");
        write_u64(out, self.offset as u64);
    }
}

/// The pieces (each a [`Piece`]: text or an unsigned number), joined into a `String`.
macro_rules! cat {
    ($($piece:expr),+ $(,)?) => {{
        let mut out = $crate::prelude::String::new();
        $($crate::text::Piece::add_to(&$piece, &mut out);)+
        out
    }};
}
pub(crate) use cat;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_read_as_format_writes_them() {
        let action = String::from("send a message");
        let why: &str = "busy";
        let cow: Cow<str> = Cow::Borrowed("c");
        assert_eq!(
            cat!(
                "WaAPI could not ",
                action,
                ": ",
                why,
                " (",
                429u16,
                ", ",
                u64::MAX,
                ", ",
                0usize,
                cow,
                ")"
            ),
            format!("WaAPI could not {action}: {why} (429, {}, 0c)", u64::MAX)
        );
        let e = ParseError {
            offset: 12,
            expected: "a value",
        };
        assert_eq!(cat!(e), "expected a value at byte 12");
        assert_eq!(e.to_string(), cat!(e));
    }
}
