//! A short-lived per-isolate cache of instance lists, keyed by filter. Entries expire a TTL
//! after they are stored; writes through the edge clear it, and a list fetched before a write
//! is never stored after it (the fill must match the generation it started in). Bounded by
//! entries and bytes: an isolate has 128 MB, and filters are the caller's to choose.

/// Arbitrary filters must not grow the isolate's memory without bound.
const MAX_ENTRIES: usize = 64;
/// All entries' bodies together.
pub const MAX_TOTAL_BYTES: usize = 4 << 20;
/// A larger answer is served but not kept.
pub const MAX_ENTRY_BYTES: usize = 512 << 10;

struct Entry {
    filter: String,
    /// In ms since the epoch.
    expires: f64,
    body: String,
}

pub struct ListCache {
    /// Oldest first.
    entries: Vec<Entry>,
    bytes: usize,
    generation: u64,
}

impl Default for ListCache {
    fn default() -> ListCache {
        ListCache::new()
    }
}

impl ListCache {
    pub const fn new() -> ListCache {
        ListCache {
            entries: Vec::new(),
            bytes: 0,
            generation: 0,
        }
    }

    pub fn get(&self, filter: &str, now_ms: f64) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.filter == filter && e.expires > now_ms)
            .map(|e| e.body.as_str())
    }

    /// What a fill must hand back to [`ListCache::put`]: taken before the upstream call.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Stores `body` until `now_ms + ttl_ms` (`now_ms` is when the answer arrived), unless a
    /// write cleared the cache since `generation` was taken, the TTL is 0 or the body is
    /// larger than [`MAX_ENTRY_BYTES`]. The oldest entries go to make room.
    pub fn put(&mut self, filter: &str, body: String, generation: u64, now_ms: f64, ttl_ms: u64) {
        if ttl_ms == 0 || generation != self.generation || body.len() > MAX_ENTRY_BYTES {
            return;
        }
        self.entries
            .retain(|e| e.filter != filter && e.expires > now_ms);
        self.bytes = self.entries.iter().map(|e| e.body.len()).sum();
        while !self.entries.is_empty()
            && (self.entries.len() >= MAX_ENTRIES || self.bytes + body.len() > MAX_TOTAL_BYTES)
        {
            self.bytes -= self.entries.remove(0).body.len();
        }
        self.bytes += body.len();
        self.entries.push(Entry {
            filter: filter.to_owned(),
            expires: now_ms + ttl_ms as f64,
            body,
        });
    }

    /// A write happened (or may have): forget everything, and refuse fills begun before.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
        self.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_expires_clears_and_stays_bounded() {
        let mut c = ListCache::new();
        let g = c.generation();
        c.put("", "all".into(), g, 1000.0, 5000);
        c.put("shop", "shops".into(), g, 1000.0, 5000);
        assert_eq!(c.get("", 5999.0), Some("all"));
        assert_eq!(c.get("shop", 1000.0), Some("shops"));
        assert_eq!(c.get("", 6000.0), None, "expired");
        assert_eq!(c.get("other", 1000.0), None);
        c.clear();
        assert_eq!(c.get("shop", 1000.0), None);
        let g = c.generation();
        c.put("", "x".into(), g, 0.0, 0);
        assert_eq!(c.get("", 0.0), None, "a TTL of 0 disables the cache");
        for n in 0..200 {
            c.put(&n.to_string(), "b".into(), g, 0.0, 5000);
        }
        assert_eq!(c.entries.len(), MAX_ENTRIES);
        assert_eq!(c.get("199", 1.0), Some("b"));
        assert_eq!(c.get("0", 1.0), None, "the oldest went first");
    }

    #[test]
    fn bounded_by_bytes_and_no_entry_above_its_limit() {
        let mut c = ListCache::new();
        let g = c.generation();
        let big = "x".repeat(MAX_ENTRY_BYTES);
        for n in 0..64 {
            c.put(&n.to_string(), big.clone(), g, 0.0, 5000);
            assert!(c.bytes <= MAX_TOTAL_BYTES, "{} bytes", c.bytes);
            assert_eq!(
                c.bytes,
                c.entries.iter().map(|e| e.body.len()).sum::<usize>()
            );
        }
        assert_eq!(c.entries.len(), MAX_TOTAL_BYTES / MAX_ENTRY_BYTES);
        assert_eq!(c.get("63", 1.0).map(str::len), Some(MAX_ENTRY_BYTES));
        c.put("huge", "x".repeat(MAX_ENTRY_BYTES + 1), g, 0.0, 5000);
        assert_eq!(c.get("huge", 1.0), None, "too large to keep");
        assert_eq!(c.get("63", 1.0).map(str::len), Some(MAX_ENTRY_BYTES));
    }

    #[test]
    fn expiry_counts_from_when_the_answer_is_stored() {
        let mut c = ListCache::new();
        let g = c.generation();
        // The request started at 0; WaAPI took 8 s (longer than the TTL) to answer.
        c.put("", "slow".into(), g, 8000.0, 5000);
        assert_eq!(c.get("", 8001.0), Some("slow"));
        assert_eq!(c.get("", 13_000.0), None);
    }

    #[test]
    fn a_write_wins_over_a_late_fill() {
        let mut c = ListCache::new();
        let before_write = c.generation();
        c.clear(); // the write lands while the list is on its way
        c.put("", "pre-write list".into(), before_write, 0.0, 5000);
        assert_eq!(c.get("", 1.0), None);
        let after = c.generation();
        c.put("", "fresh".into(), after, 0.0, 5000);
        assert_eq!(c.get("", 1.0), Some("fresh"));
    }
}
