//! A fuzz harness on stable Rust (no nightly, no libFuzzer): every entry point of waapi-wasm
//! and waapi-edge that reads untrusted input, fed with mutated real bodies and random bytes
//! from a PRNG of its own, so a seed always gives the same run. `make fuzz` runs it
//! (`src/main.rs`); `tests/regressions.rs` replays every input that once panicked.
//!
//! An input is one byte string for one [`targets::Target`]; targets that take several values
//! (a route's method, path and query) read them from lines of it, so a saved case is a file.

use std::cell::RefCell;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

pub mod mutate;
pub mod targets;

/// SplitMix64: small, fast, and the same sequence for a seed on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// FNV-1a, to name saved cases by their content.
pub fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

thread_local! {
    /// The last panic's place and message, kept by the quiet hook.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the panic hook with one that prints nothing and keeps the panic's place and
/// message for [`run_caught`]; the returned guard puts the previous hook back.
pub fn quiet_panics() -> HookGuard {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let text = match info.location() {
            Some(l) => format!(
                "{}:{}: {}",
                l.file(),
                l.line(),
                payload_text(info.payload())
            ),
            None => payload_text(info.payload()),
        };
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
    }));
    HookGuard(Some(previous))
}

type Hook = Box<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

pub struct HookGuard(Option<Hook>);

impl Drop for HookGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            // The quiet hook is dropped here; the harness's own asserts print again.
            panic::set_hook(previous);
        }
    }
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

/// Runs `f` on `input`: `Ok(accepted)`, or `Err(place and message)` when it panicked.
pub fn run_caught(f: fn(&[u8]) -> bool, input: &[u8]) -> Result<bool, String> {
    panic::catch_unwind(AssertUnwindSafe(|| f(input))).map_err(|payload| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| payload_text(&*payload))
    })
}

/// The panic's place (`file:line`), what tells two panics apart.
pub fn panic_place(text: &str) -> &str {
    text.split(": ").next().unwrap_or(text)
}

/// A shorter input that still panics at the same place: chunks are cut away, halving their
/// size down to one byte, for at most `budget` runs.
pub fn shrink(f: fn(&[u8]) -> bool, input: &[u8], place: &str, budget: usize) -> Vec<u8> {
    let mut best = input.to_vec();
    let mut runs = 0;
    let mut chunk = best.len().div_ceil(2).max(1);
    loop {
        let mut at = 0;
        while at < best.len() && runs < budget {
            let end = (at + chunk).min(best.len());
            let mut candidate = best[..at].to_vec();
            candidate.extend_from_slice(&best[end..]);
            runs += 1;
            match run_caught(f, &candidate) {
                Err(text) if panic_place(&text) == place => best = candidate,
                _ => at += chunk,
            }
        }
        if chunk == 1 || runs >= budget {
            return best;
        }
        chunk /= 2;
    }
}

/// `tests/fuzz-regressions/` of the workspace.
pub fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz-regressions")
}

/// Saves a panicking input as `<target>-<fnv64>.bin` in `dir`; answers the path.
pub fn save_case(dir: &Path, target: &str, input: &[u8]) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = dir.join(format!("{target}-{:016x}.bin", fnv64(input)));
    fs::write(&path, input)?;
    Ok(path)
}

/// Runs every saved case in `dir` through its target; answers the cases that still panic,
/// or whose target does not exist, with why.
pub fn replay(dir: &Path) -> std::io::Result<(usize, Vec<(PathBuf, String)>)> {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut paths: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    paths.sort();
    let _quiet = quiet_panics();
    for path in paths {
        if path.extension().and_then(|e| e.to_str()) != Some("bin") {
            continue;
        }
        count += 1;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let name = stem.rsplit_once('-').map_or(stem, |(name, _)| name);
        let Some(target) = targets::find(name) else {
            failures.push((path.clone(), format!("no target called {name:?}")));
            continue;
        };
        let input = fs::read(&path)?;
        if let Err(text) = run_caught(target.run, &input) {
            failures.push((path.clone(), text));
        }
    }
    Ok((count, failures))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_gives_the_same_numbers() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..5)
            .scan(Rng::new(8), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        // SplitMix64's published first output for seed 0.
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    fn boom(input: &[u8]) -> bool {
        if input.windows(4).any(|w| w == b"boom") {
            panic!("found it");
        }
        true
    }

    #[test]
    fn panics_are_caught_quietly_shrunk_saved_and_replayed() {
        let _quiet = quiet_panics();
        assert_eq!(run_caught(boom, b"fine"), Ok(true));
        let text = run_caught(boom, b"xx boom yy").unwrap_err();
        assert!(text.ends_with(": found it"), "{text}");
        let place = panic_place(&text).to_owned();
        assert!(place.contains("lib.rs:"), "{place}");
        assert_eq!(
            shrink(boom, b"some text, boom, more text", &place, 1000),
            b"boom"
        );

        let dir = std::env::temp_dir().join(format!("waapi-fuzz-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let saved = save_case(&dir, "json", b"[1,2]").unwrap();
        assert!(saved.ends_with(format!("json-{:016x}.bin", fnv64(b"[1,2]"))));
        save_case(&dir, "no_such_target", b"x").unwrap();
        fs::write(dir.join("README.md"), "not a case").unwrap();
        let (count, failures) = replay(&dir).unwrap();
        assert_eq!(count, 2);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(failures[0].1.contains("no_such_target"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
