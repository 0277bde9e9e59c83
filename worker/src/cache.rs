//! A short-lived per-isolate cache of instance lists, keyed by filter. Writes through the edge
//! clear it; entries expire after the TTL; at most `MAX_ENTRIES` filters are kept.

/// Arbitrary filters must not grow the isolate's memory without bound.
const MAX_ENTRIES: usize = 64;

#[derive(Default)]
pub struct ListCache {
    /// (filter, expiry in ms since the epoch, the answer's JSON)
    entries: Vec<(String, f64, String)>,
}

impl ListCache {
    pub const fn new() -> ListCache {
        ListCache {
            entries: Vec::new(),
        }
    }

    pub fn get(&self, filter: &str, now_ms: f64) -> Option<&str> {
        self.entries
            .iter()
            .find(|(f, expires, _)| f == filter && *expires > now_ms)
            .map(|(_, _, body)| body.as_str())
    }

    pub fn put(&mut self, filter: &str, body: String, now_ms: f64, ttl_ms: u64) {
        if ttl_ms == 0 {
            return;
        }
        self.entries
            .retain(|(f, expires, _)| f != filter && *expires > now_ms);
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.remove(0);
        }
        self.entries
            .push((filter.to_owned(), now_ms + ttl_ms as f64, body));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_expires_clears_and_stays_bounded() {
        let mut c = ListCache::new();
        c.put("", "all".into(), 1000.0, 5000);
        c.put("shop", "shops".into(), 1000.0, 5000);
        assert_eq!(c.get("", 5999.0), Some("all"));
        assert_eq!(c.get("shop", 1000.0), Some("shops"));
        assert_eq!(c.get("", 6000.0), None, "expired");
        assert_eq!(c.get("other", 1000.0), None);
        c.clear();
        assert_eq!(c.get("shop", 1000.0), None);
        c.put("", "x".into(), 0.0, 0);
        assert_eq!(c.get("", 0.0), None, "a TTL of 0 disables the cache");
        for n in 0..200 {
            c.put(&n.to_string(), "b".into(), 0.0, 5000);
        }
        assert_eq!(c.entries.len(), MAX_ENTRIES);
        assert_eq!(c.get("199", 1.0), Some("b"));
    }
}
