//! Every input that once made an entry point panic (saved by `make fuzz` under
//! `tests/fuzz-regressions/`) runs again here, so a fixed panic stays fixed.

#[test]
fn every_saved_case_runs_without_a_panic() {
    let dir = waapi_fuzz::regressions_dir();
    let (count, failures) = waapi_fuzz::replay(&dir).expect("the regressions folder is readable");
    println!("{count} saved cases replayed from {}", dir.display());
    let report: Vec<String> = failures
        .iter()
        .map(|(path, why)| format!("{}: {why}", path.display()))
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
}
