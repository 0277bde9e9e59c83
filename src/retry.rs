//! When to try a request again, as a pure function of what happened (no clock, no randomness
//! of its own), so the whole policy is tested on the host.

/// Backoff of the first retry; each further retry doubles it.
pub const BASE_DELAY_MS: u64 = 250;
/// No computed backoff waits longer than this.
pub const MAX_BACKOFF_MS: u64 = 8_000;
/// A server asking for a longer wait than this is not waited for: the call gives up.
pub const MAX_RETRY_AFTER_MS: u64 = 60_000;

/// What one attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP answer with this status.
    Status(u16),
    Timeout,
    Network,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Keep this outcome: a success, or an error not worth retrying.
    Stop,
    /// Try again after this many milliseconds.
    RetryIn(u64),
    /// Retryable, but the server asked for a wait beyond [`MAX_RETRY_AFTER_MS`].
    WaitTooLong,
}

/// Decides after attempt number `retries_done + 1`.
///
/// 429 is retried for any request (the server refused before acting); 502, 503, 504, timeouts
/// and network errors only for idempotent ones (GET, PUT, DELETE and the read-only actions). `retry_after_ms` is the server's
/// `Retry-After`, already turned into milliseconds; `random` is in `[0, 1)` and spreads the
/// backoff so that many clients do not retry in step.
pub fn decide(
    idempotent: bool,
    outcome: Outcome,
    retries_done: u32,
    max_retries: u32,
    retry_after_ms: Option<u64>,
    random: f64,
) -> Decision {
    let retryable = match outcome {
        Outcome::Status(429) => true,
        Outcome::Status(502..=504) | Outcome::Timeout | Outcome::Network => idempotent,
        Outcome::Status(_) => false,
    };
    if !retryable || retries_done >= max_retries {
        return Decision::Stop;
    }
    match retry_after_ms {
        Some(ms) if ms > MAX_RETRY_AFTER_MS => Decision::WaitTooLong,
        Some(ms) => Decision::RetryIn(ms),
        None => {
            let full = BASE_DELAY_MS
                .saturating_mul(1 << retries_done.min(16))
                .min(MAX_BACKOFF_MS);
            // Half fixed, half random ("equal jitter"): never less than half the backoff.
            let jitter = (full as f64 / 2.0 * random.clamp(0.0, 1.0)) as u64;
            Decision::RetryIn(full / 2 + jitter)
        }
    }
}

/// Reads a `Retry-After` value: whole seconds, or an HTTP date (IMF-fixdate,
/// `Sun, 06 Nov 1994 08:49:37 GMT`) counted from `now_ms` (Unix milliseconds).
/// A date in the past means no wait. Anything else is ignored.
pub fn parse_retry_after(value: &str, now_ms: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return crate::json::parse_u64(value).map(|s| s.saturating_mul(1000));
    }
    let date_ms = parse_http_date(value)?.checked_mul(1000)?;
    Some(date_ms.saturating_sub(now_ms))
}

/// Seconds since the Unix epoch for an IMF-fixdate.
fn parse_http_date(s: &str) -> Option<u64> {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    let mut parts = s.split_ascii_whitespace();
    let mut next = || parts.next();
    let (Some(weekday), Some(day), Some(month), Some(year), Some(time), Some("GMT"), None) =
        (next(), next(), next(), next(), next(), next(), next())
    else {
        return None;
    };
    if !weekday.ends_with(',') || weekday.len() != 4 {
        return None;
    }
    let num = |t: &[u8], len: usize| -> Option<u64> {
        (t.len() == len && t.iter().all(u8::is_ascii_digit))
            .then(|| t.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0')))
    };
    let day = num(day.as_bytes(), 2)?;
    let year = num(year.as_bytes(), 4)?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|&m| m == month)? as u64 + 1;
    // hh:mm:ss
    let [h1, h2, b':', m1, m2, b':', s1, s2] = *time.as_bytes() else {
        return None;
    };
    let (h, m, sec) = (num(&[h1, h2], 2)?, num(&[m1, m2], 2)?, num(&[s1, s2], 2)?);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 || year < 1970 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + sec)
}

/// Days from 1970-01-01 to the given date (Howard Hinnant's algorithm), for years ≥ 1970.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Method::{self, *};
    use Decision::*;
    use Outcome::*;

    #[test]
    fn decision_table() {
        // (method, outcome, retries done, max, retry-after ms, random) → decision
        type Row = (Method, Outcome, u32, u32, Option<u64>, f64, Decision);
        let table: &[Row] = &[
            (Get, Status(200), 0, 2, None, 0.0, Stop),
            (Get, Status(404), 0, 2, None, 0.0, Stop),
            (Get, Status(500), 0, 2, None, 0.0, Stop),
            (Get, Status(501), 0, 2, None, 0.0, Stop),
            (Get, Status(422), 0, 2, None, 0.0, Stop),
            (Get, Status(502), 0, 2, None, 0.0, RetryIn(125)),
            (Get, Status(503), 0, 2, None, 0.999_999, RetryIn(249)),
            (Put, Status(504), 1, 2, None, 0.0, RetryIn(250)),
            (Delete, Timeout, 0, 2, None, 0.5, RetryIn(187)),
            (Get, Network, 1, 2, None, 1.0, RetryIn(500)),
            (Get, Network, 2, 2, None, 0.0, Stop),
            (Post, Status(502), 0, 2, None, 0.0, Stop),
            (Post, Status(503), 0, 2, Some(1000), 0.0, Stop),
            (Post, Timeout, 0, 2, None, 0.0, Stop),
            (Post, Network, 0, 2, None, 0.0, Stop),
            (Post, Status(429), 0, 2, None, 0.0, RetryIn(125)),
            (Post, Status(429), 0, 2, Some(3000), 0.7, RetryIn(3000)),
            (Get, Status(429), 0, 2, Some(0), 0.7, RetryIn(0)),
            (Get, Status(429), 0, 2, Some(60_000), 0.0, RetryIn(60_000)),
            (Get, Status(429), 0, 2, Some(60_001), 0.0, WaitTooLong),
            (Get, Status(429), 2, 2, Some(1000), 0.0, Stop),
            (Get, Status(429), 0, 0, None, 0.0, Stop),
            (Get, Status(503), 0, 2, Some(2000), 0.0, RetryIn(2000)),
            (Get, Status(503), 10, 20, None, 0.0, RetryIn(4000)),
            (Get, Status(503), 31, 40, None, 1.0, RetryIn(8000)),
        ];
        for &(method, outcome, done, max, after, random, want) in table {
            assert_eq!(
                decide(method.is_idempotent(), outcome, done, max, after, random),
                want,
                "{method:?} {outcome:?} done={done} max={max} after={after:?} random={random}"
            );
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("120", now), Some(120_000));
        assert_eq!(parse_retry_after(" 0 ", now), Some(0));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(0)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(30_000)
        );
        assert_eq!(
            parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now),
            Some(0)
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", 0),
            Some(0)
        );
        assert_eq!(
            parse_retry_after("Tue, 29 Feb 2028 12:00:00 GMT", 0),
            Some(1_835_438_400_000)
        );
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", 0),
            Some(946_684_799_000)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37:00 GMT",
            "Sun, 06 Nov 1994 08:49:3 GMT",
            "Sun, 06 Nov 1994 08-49-37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
            "Sun, 06 Nov 1994 08:49:37",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }
}
