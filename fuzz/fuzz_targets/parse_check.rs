//! Parse and check one file: parsing is lossless, and neither the parser
//! nor any rule (all of them enabled) panics or overflows the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nixfold::config::Config;
use nixfold::project::Project;
use nixfold::syntax::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = nixfold::syntax::parse(text);
    assert_eq!(
        parsed.syntax().text().to_string(),
        text,
        "parsing lost text"
    );
    let all: Vec<&str> = nixfold::lints::rules::all()
        .iter()
        .map(|r| r.meta().name)
        .collect();
    let config = Config::only(&all);
    let file = SourceFile::from_text("/nonexistent-nixfold-fuzz/default.nix", text);
    let project = Project::from_sources("/nonexistent-nixfold-fuzz", vec![file]);
    let _ = nixfold::lints::check(&project, &config);
});
