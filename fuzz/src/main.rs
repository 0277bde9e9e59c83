//! `make fuzz`: runs N inputs (mutated seeds and random bytes, round robin over the targets)
//! from a fixed seed, then the size check, and prints `N inputs, P panics, S slow (seed X)`.
//! A panicking input is shrunk and saved under `tests/fuzz-regressions/`. Exits 1 on a panic
//! or a slow target.
//!
//! `waapi-fuzz [--inputs N] [--seed S] [--target NAME] [--size-kb K]`

use std::process::ExitCode;
use std::time::{Duration, Instant};

use waapi_fuzz::mutate::{mutate, Dictionary};
use waapi_fuzz::targets::{Target, TARGETS};
use waapi_fuzz::{panic_place, quiet_panics, regressions_dir, run_caught, save_case, shrink, Rng};

/// The size check flags a target when 10 MB take more than this many times 1 MB (10× is
/// linear); a 1 MB time under 1 ms counts as 1 ms, so timer noise on tiny times cannot flag.
const SLOW_RATIO: f64 = 20.0;
/// The wasm default (what the edge and the package run on): recursion that a wasm stack
/// could not afford crashes the run instead of passing here.
const STACK_BYTES: usize = 1 << 20;
/// Accepted inputs kept per target to mutate further (the oldest is replaced).
const POOL: usize = 512;
/// Panics saved per place; more of the same place are only counted.
const SAVED_PER_PLACE: usize = 1;

struct Args {
    inputs: u64,
    seed: u64,
    target: Option<String>,
    /// The size check's small input in KiB; the large one is ten times that.
    size_kb: usize,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        inputs: 10_000_000,
        seed: 1,
        target: None,
        size_kb: 1024,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("{flag} takes a whole number, not {v:?}"))
        };
        match flag.as_str() {
            "--inputs" => args.inputs = number(value()?)?,
            "--seed" => args.seed = number(value()?)?,
            "--target" => args.target = Some(value()?),
            "--size-kb" => args.size_kb = number(value()?)?.max(1) as usize,
            _ => {
                return Err(format!(
                    "unknown argument {flag:?}; usage: waapi-fuzz [--inputs N] [--seed S] [--target NAME] [--size-kb K]"
                ))
            }
        }
    }
    Ok(args)
}

#[derive(Default)]
struct Stats {
    inputs: u64,
    accepted: u64,
    panics: u64,
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(why) => {
            eprintln!("waapi-fuzz: {why}");
            return ExitCode::from(2);
        }
    };
    let targets: Vec<&'static Target> = TARGETS
        .iter()
        .filter(|t| args.target.as_deref().is_none_or(|name| name == t.name))
        .collect();
    if targets.is_empty() {
        let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        eprintln!(
            "waapi-fuzz: no target {:?}; the targets are {}",
            args.target,
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    let started = Instant::now();
    let fuzzer = std::thread::Builder::new()
        .name("fuzz".into())
        .stack_size(STACK_BYTES)
        .spawn({
            let (inputs, seed, targets) = (args.inputs, args.seed, targets.clone());
            move || fuzz(inputs, seed, &targets)
        })
        .expect("a thread");
    let Ok(mut stats) = fuzzer.join() else {
        eprintln!("waapi-fuzz: the harness itself failed");
        return ExitCode::FAILURE;
    };
    let fuzz_time = started.elapsed();
    // The size check on the main thread, with its larger stack: the large inputs are long,
    // not deep.
    let quiet = quiet_panics();
    let mut size_lines = Vec::new();
    for (target, s) in targets.iter().zip(&mut stats) {
        match size_check(target, args.size_kb) {
            Ok(line) => size_lines.push((target.name, line)),
            Err(text) => {
                eprintln!("PANIC in {} on a large input: {text}", target.name);
                s.panics += 1;
            }
        }
    }
    drop(quiet);
    let ok = report(
        &args,
        &targets,
        &stats,
        &size_lines,
        fuzz_time,
        started.elapsed(),
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs `inputs` inputs, round robin over `targets`; saves what panics.
fn fuzz(inputs: u64, seed: u64, targets: &[&'static Target]) -> Vec<Stats> {
    let started = Instant::now();
    let seeds: Vec<Vec<Vec<u8>>> = targets.iter().map(|t| (t.seeds)()).collect();
    let dict = Dictionary::new(&seeds.concat(), include_str!("../../src/actions.rs"));
    let mut pools: Vec<Vec<Vec<u8>>> = vec![Vec::new(); targets.len()];
    let mut stats: Vec<Stats> = targets.iter().map(|_| Stats::default()).collect();
    let mut places: Vec<(String, usize)> = Vec::new();
    let mut rng = Rng::new(seed);
    let progress_every = (inputs / 10).max(1);
    eprintln!(
        "fuzzing {} targets with {} inputs (seed {}, {} dictionary words)",
        targets.len(),
        inputs,
        seed,
        dict.len()
    );

    let quiet = quiet_panics();
    for n in 0..inputs {
        let t = (n % targets.len() as u64) as usize;
        let target = targets[t];
        let pool = &mut pools[t];
        let base = if !pool.is_empty() && rng.one_in(3) {
            rng.pick(pool)
        } else {
            rng.pick(&seeds[t])
        };
        let donor = rng.pick(&seeds[t]);
        let input = mutate(&mut rng, &dict, target.shape, base, donor);
        let s = &mut stats[t];
        s.inputs += 1;
        match run_caught(target.run, &input) {
            Ok(true) => {
                s.accepted += 1;
                if rng.one_in(8) {
                    if pool.len() < POOL {
                        pool.push(input);
                    } else {
                        let i = rng.below(POOL);
                        pool[i] = input;
                    }
                }
            }
            Ok(false) => {}
            Err(text) => {
                s.panics += 1;
                let place = panic_place(&text).to_owned();
                let seen = places.iter_mut().find(|(p, _)| *p == place);
                let saved = match seen {
                    Some((_, count)) => {
                        *count += 1;
                        *count <= SAVED_PER_PLACE
                    }
                    None => {
                        places.push((place.clone(), 1));
                        true
                    }
                };
                if saved {
                    let small = shrink(target.run, &input, &place, 5_000);
                    match save_case(&regressions_dir(), target.name, &small) {
                        Ok(path) => eprintln!(
                            "PANIC in {} at input {n}: {text}\n  saved ({} bytes) as {}",
                            target.name,
                            small.len(),
                            path.display()
                        ),
                        Err(e) => eprintln!("PANIC in {}: {text}\n  not saved: {e}", target.name),
                    }
                }
            }
        }
        if (n + 1) % progress_every == 0 && n + 1 < inputs {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "  {} inputs, {:.0} s, {:.0}/s",
                n + 1,
                secs,
                (n + 1) as f64 / secs
            );
        }
    }
    drop(quiet);
    stats
}

/// Prints the figures; `true` when nothing panicked and nothing was slow.
fn report(
    args: &Args,
    targets: &[&'static Target],
    stats: &[Stats],
    size_lines: &[(&str, SizeLine)],
    fuzz_time: Duration,
    total: Duration,
) -> bool {
    println!(
        "{:<14} {:>10} {:>9} {:>7}   what",
        "target", "inputs", "accepted", "panics"
    );
    for (target, s) in targets.iter().zip(stats) {
        println!(
            "{:<14} {:>10} {:>8.1}% {:>7}   {}",
            target.name,
            s.inputs,
            100.0 * s.accepted as f64 / s.inputs.max(1) as f64,
            s.panics,
            target.what
        );
    }
    println!();
    println!(
        "{:<14} {:>10} {:>10} {:>7}   (best of 3 or more; slow when over {SLOW_RATIO}x)",
        "size check",
        format!("{} KiB", args.size_kb),
        format!("{} KiB", 10 * args.size_kb),
        "ratio"
    );
    for (name, line) in size_lines {
        println!(
            "{:<14} {:>7.1} ms {:>7.1} ms {:>6.1}x{}",
            name,
            ms(line.one),
            ms(line.ten),
            line.ten.as_secs_f64() / line.one.as_secs_f64().max(0.001),
            if line.slow { "   SLOW" } else { "" }
        );
    }
    let panics: u64 = stats.iter().map(|s| s.panics).sum();
    let inputs: u64 = stats.iter().map(|s| s.inputs).sum();
    println!();
    println!(
        "fuzzing took {:.1} s ({:.0} inputs/s); everything {:.1} s",
        fuzz_time.as_secs_f64(),
        inputs as f64 / fuzz_time.as_secs_f64().max(1e-9),
        total.as_secs_f64()
    );
    let slow = size_lines.iter().filter(|(_, l)| l.slow).count();
    println!(
        "{inputs} inputs, {panics} panics, {slow} slow (seed {})",
        args.seed
    );
    panics == 0 && slow == 0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct SizeLine {
    one: Duration,
    ten: Duration,
    slow: bool,
}

/// Times the target on its small and large inputs (`size_kb` and ten times that), in turns so
/// that both see the same load on the machine, and keeps the best of three of each (the run
/// least disturbed by other work). The time is the thread's time on a CPU (where the system tells it),
/// so the time other processes take the CPU away does not count.
fn size_check(target: &Target, size_kb: usize) -> Result<SizeLine, String> {
    let small = (target.big)(size_kb << 10);
    let large = (target.big)((10 * size_kb) << 10);
    let time = |input: &[u8]| -> Result<Duration, String> {
        let (wall, cpu) = (Instant::now(), cpu_time());
        run_caught(target.run, input)?;
        Ok(match (cpu, cpu_time()) {
            (Some(start), Some(end)) => end.saturating_sub(start),
            _ => wall.elapsed(),
        })
    };
    let (mut one, mut ten) = (Duration::MAX, Duration::MAX);
    let too_slow = |one: Duration, ten: Duration| {
        ten.as_secs_f64() > SLOW_RATIO * one.as_secs_f64().max(0.001)
    };
    // Three turns; up to six more while it looks slow, so one disturbed turn cannot flag it.
    for turn in 0..9 {
        if turn >= 3 && !too_slow(one, ten) {
            break;
        }
        one = one.min(time(&small)?);
        ten = ten.min(time(&large)?);
    }
    let slow = too_slow(one, ten);
    Ok(SizeLine { one, ten, slow })
}

/// The time this thread has spent on a CPU; `None` where the clock is missing.
fn cpu_time() -> Option<Duration> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `t` is.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    ok.then(|| Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
}
