//! Differential tests of `nixfold::nixhash` against the real Nix installed on
//! the machine: hash encodings (`nix-hash --to-base32/--to-base16`,
//! `nix hash to-sri`), hash parsing (`nix hash to-base16`, which runs Nix's
//! `Hash::parseAny`), NAR serialisation (`nix-store --dump`, `nix-hash`),
//! store paths (`nix-store --add`, `nix-store --add-fixed [--recursive]`,
//! `builtins.toFile`, fixed-output derivations) and flake inputs
//! (`nix flake lock` + `nix flake archive --json`).
//!
//! The store tests write to the local /nix/store (the test machines run as root).

use std::path::Path;
use std::process::Command;

use nixfold::nixhash::{
    Encoding, FlakeLock, Hash, HashAlgo, Ingestion, StorePath, flake_source_path,
    local_path_store_path, make_fixed_output_path, make_source_path, make_text_path, nar,
    parse_hash,
};

const NIX_CONFIG: &str = "experimental-features = nix-command flakes\nsubstituters =\n";

fn nix(args: &[&str]) -> Result<String, String> {
    let (prog, rest) = args.split_first().unwrap();
    let out = Command::new(prog)
        .args(rest)
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {prog} (is Nix installed?): {e}"));
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn nix_ok(args: &[&str]) -> String {
    nix(args).unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

/// Deterministic pseudo-random digests of every algorithm.
fn sample_hashes() -> Vec<Hash> {
    let mut v = Vec::new();
    for algo in HashAlgo::ALL {
        for i in 0..12u32 {
            let seed = format!("nixfold sample {i}");
            let mut d = HashAlgo::Sha512.digest(seed.as_bytes()).digest().to_vec();
            d.truncate(algo.digest_len());
            // include the extremes
            if i == 0 {
                d.iter_mut().for_each(|b| *b = 0);
            }
            if i == 1 {
                d.iter_mut().for_each(|b| *b = 0xff);
            }
            v.push(Hash::from_digest(algo, &d).unwrap());
        }
    }
    v
}

#[test]
fn encodings_match_nix_hash() {
    let hashes = sample_hashes();
    for algo in HashAlgo::ALL {
        let hs: Vec<&Hash> = hashes.iter().filter(|h| h.algo() == algo).collect();
        let hex: Vec<String> = hs.iter().map(|h| h.to_base16()).collect();
        let mut args = vec!["nix-hash", "--type", algo.name(), "--to-base32"];
        args.extend(hex.iter().map(String::as_str));
        let out = nix_ok(&args);
        let theirs: Vec<&str> = out.lines().collect();
        let ours: Vec<String> = hs.iter().map(|h| h.to_nix32()).collect();
        assert_eq!(theirs, ours, "nix32 of {algo}");

        let mut args = vec!["nix-hash", "--type", algo.name(), "--to-base16"];
        args.extend(ours.iter().map(String::as_str));
        let out = nix_ok(&args);
        assert_eq!(out.lines().collect::<Vec<_>>(), hex, "base16 of {algo}");

        let mut args = vec!["nix", "hash", "to-sri", "--type", algo.name()];
        args.extend(hex.iter().map(String::as_str));
        let out = nix_ok(&args);
        let sri: Vec<String> = hs.iter().map(|h| h.to_sri()).collect();
        assert_eq!(out.lines().collect::<Vec<_>>(), sri, "SRI of {algo}");

        let mut args = vec!["nix", "hash", "to-base64", "--type", algo.name()];
        args.extend(hex.iter().map(String::as_str));
        let out = nix_ok(&args);
        let b64: Vec<String> = hs.iter().map(|h| h.to_base64()).collect();
        assert_eq!(out.lines().collect::<Vec<_>>(), b64, "base64 of {algo}");
    }
}

#[test]
fn hash_string_matches_builtins() {
    let input = "nixfold \u{3bb} hashString\n";
    let expr = format!(
        "map (a: builtins.hashString a {:?}) [ \"md5\" \"sha1\" \"sha256\" \"sha512\" ]",
        input
    );
    let out = nix_ok(&[
        "nix-instantiate",
        "--eval",
        "--strict",
        "--json",
        "-E",
        &expr,
    ]);
    let theirs: Vec<String> = serde_json::from_str(&out).unwrap();
    let ours: Vec<String> = HashAlgo::ALL
        .iter()
        .map(|a| nixfold::nixhash::hash_string(*a, input.as_bytes()))
        .collect();
    assert_eq!(theirs, ours);
}

/// Strings to parse: valid ones in every form and many near misses.
fn parse_cases() -> Vec<(String, Option<HashAlgo>)> {
    let mut cases = Vec::new();
    let hashes = sample_hashes();
    for h in hashes.iter().step_by(7) {
        let a = h.algo();
        let forms = [
            h.to_base16(),
            h.to_nix32(),
            h.to_base64(),
            h.to_base64().trim_end_matches('=').to_string(),
        ];
        for f in &forms {
            cases.push((f.clone(), Some(a)));
            cases.push((format!("{a}:{f}"), None));
            cases.push((format!("{a}-{f}"), None));
            // near misses
            cases.push((f[1..].to_string(), Some(a)));
            cases.push((format!("{f}0"), Some(a)));
            for bad in ['e', 'o', 'u', 't', 'A', '!', '-'] {
                let mut s: Vec<char> = f.chars().collect();
                let i = s.len() / 3;
                s[i] = bad;
                cases.push((s.iter().collect(), Some(a)));
            }
        }
        cases.push((h.to_base16().to_uppercase(), Some(a)));
        // first nix32 digit too large for the digest size
        cases.push((format!("z{}", &h.to_nix32()[1..]), Some(a)));
        cases.push((format!("2{}", &h.to_nix32()[1..]), Some(a)));
        cases.push((format!("8{}", &h.to_nix32()[1..]), Some(a)));
        // wrong algorithm in the prefix
        let other = if a == HashAlgo::Sha256 {
            HashAlgo::Sha512
        } else {
            HashAlgo::Sha256
        };
        cases.push((format!("{a}:{}", h.to_nix32()), Some(other)));
        cases.push((
            format!("{}-{}", a.name().to_uppercase(), h.to_base64()),
            None,
        ));
        cases.push((format!("sha265:{}", h.to_nix32()), None));
        cases.push((h.to_nix32(), None));
        // junk after base64 padding (Nix ignores it)
        cases.push((format!("{}-{}xyz", a, h.to_base64()), None));
    }
    cases.push((String::new(), Some(HashAlgo::Sha256)));
    cases.push(("sha256:".into(), None));
    cases.push(("sha256-".into(), None));
    cases
}

#[test]
fn parsing_agrees_with_nix() {
    let mut disagreements = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for (s, algo) in parse_cases() {
        let mut args = vec!["nix", "hash", "to-base16"];
        if let Some(a) = algo {
            args.push("--type");
            args.push(a.name());
        }
        args.push(&s);
        let theirs = nix(&args).map(|o| o.trim().to_string());
        let ours = parse_hash(&s, algo).map(|p| p.hash.to_base16());
        match (&theirs, &ours) {
            (Ok(t), Ok(o)) if t == o => accepted += 1,
            (Err(_), Err(_)) => rejected += 1,
            _ => disagreements.push(format!(
                "{s:?} ({algo:?}): nix {theirs:?}, nixfold {ours:?}"
            )),
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert!(
        accepted > 40 && rejected > 100,
        "{accepted} accepted, {rejected} rejected"
    );
}

fn make_tree(root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::write(root.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(root.join("empty-file"), "").unwrap();
    std::fs::write(root.join("B"), vec![0u8, 1, 2, 255]).unwrap();
    std::fs::write(root.join("sub/run.sh"), "#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(
        root.join("sub/run.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::write(root.join("sub/deeper/eight888"), "12345678").unwrap();
    std::os::unix::fs::symlink("../a.txt", root.join("sub/link")).unwrap();
    std::os::unix::fs::symlink("dangling-target", root.join("dangling")).unwrap();
}

#[test]
fn nar_matches_nix_store_dump() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    make_tree(&tree);
    let out = Command::new("nix-store")
        .arg("--dump")
        .arg(&tree)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(nar::nar_bytes(&tree).unwrap(), out.stdout);
    for algo in HashAlgo::ALL {
        let theirs = nix_ok(&["nix-hash", "--type", algo.name(), tree.to_str().unwrap()]);
        let ours = nar::nar_hash(&tree, algo).unwrap();
        assert_eq!(theirs.trim(), ours.to_base16(), "{algo}");
    }
    // a single file and a symlink at the top
    let f = tree.join("a.txt");
    let out = Command::new("nix-store")
        .arg("--dump")
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(nar::nar_bytes(&f).unwrap(), out.stdout);
}

#[test]
fn store_paths_match_nix_store_add() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("nixfold-tree");
    make_tree(&tree);
    let tree_s = tree.to_str().unwrap();
    let file = tree.join("a.txt");
    let file_s = file.to_str().unwrap();

    // nix-store --add: recursive sha256, a `source` path.
    let added = nix_ok(&["nix-store", "--add", tree_s]);
    assert_eq!(
        added.trim(),
        local_path_store_path(&tree, "nixfold-tree")
            .unwrap()
            .to_string()
    );
    let added = nix_ok(&["nix-store", "--add", file_s]);
    assert_eq!(
        added.trim(),
        local_path_store_path(&file, "a.txt").unwrap().to_string()
    );

    // From nix-hash's NAR hash, as a flake.lock narHash would give it.
    let nar_hex = nix_ok(&["nix-hash", "--type", "sha256", tree_s]);
    let nar_hash = parse_hash(nar_hex.trim(), Some(HashAlgo::Sha256))
        .unwrap()
        .hash;
    let added = nix_ok(&["nix-store", "--add-fixed", "--recursive", "sha256", tree_s]);
    assert_eq!(
        added.trim(),
        make_source_path(&nar_hash, "nixfold-tree", &[])
            .unwrap()
            .to_string()
    );

    for algo in HashAlgo::ALL {
        // flat: hash of the file's bytes, an `output:out` path
        let flat = nix_ok(&["nix-store", "--add-fixed", algo.name(), file_s]);
        let h = algo.digest(&std::fs::read(&file).unwrap());
        assert_eq!(
            flat.trim(),
            make_fixed_output_path(Ingestion::Flat, &h, "a.txt")
                .unwrap()
                .to_string(),
            "flat {algo}"
        );
        // recursive with every algorithm (sha256 is the `source` case)
        let rec = nix_ok(&[
            "nix-store",
            "--add-fixed",
            "--recursive",
            algo.name(),
            tree_s,
        ]);
        let h = nar::nar_hash(&tree, algo).unwrap();
        assert_eq!(
            rec.trim(),
            make_fixed_output_path(Ingestion::Recursive, &h, "nixfold-tree")
                .unwrap()
                .to_string(),
            "recursive {algo}"
        );
    }
}

#[test]
fn text_paths_match_to_file() {
    let expr = r#"let a = builtins.toFile "nixfold-a" "alpha"; b = builtins.toFile "nixfold-b" "uses ${a} and ${a}"; in [ a b ]"#;
    let out = nix_ok(&[
        "nix-instantiate",
        "--eval",
        "--strict",
        "--json",
        "-E",
        expr,
    ]);
    let theirs: Vec<String> = serde_json::from_str(&out).unwrap();
    let a = make_text_path("nixfold-a", b"alpha", &[]).unwrap();
    assert_eq!(theirs[0], a.to_string());
    let contents = format!("uses {a} and {a}");
    let b = make_text_path("nixfold-b", contents.as_bytes(), std::slice::from_ref(&a)).unwrap();
    assert_eq!(theirs[1], b.to_string());
}

#[test]
fn fixed_output_derivation_paths_match() {
    for (algo, mode) in [
        ("sha256", "flat"),
        ("sha256", "recursive"),
        ("sha1", "flat"),
        ("sha1", "recursive"),
        ("md5", "recursive"),
        ("sha512", "flat"),
    ] {
        let a = HashAlgo::from_name(algo).unwrap();
        let h = a.digest(format!("{algo}{mode}").as_bytes());
        let expr = format!(
            r#"(derivation {{ name = "nixfold-fod"; builder = "/bin/sh"; system = "x86_64-linux"; outputHashAlgo = "{algo}"; outputHashMode = "{mode}"; outputHash = "{}"; }}).outPath"#,
            h.to_nix32()
        );
        let out = nix_ok(&["nix-instantiate", "--eval", "--json", "-E", &expr]);
        let theirs: String = serde_json::from_str(&out).unwrap();
        let ing = if mode == "flat" {
            Ingestion::Flat
        } else {
            Ingestion::Recursive
        };
        let ours = make_fixed_output_path(ing, &h, "nixfold-fod").unwrap();
        assert_eq!(theirs, ours.to_string(), "{algo} {mode}");
        // and the result parses back
        assert_eq!(StorePath::parse(&theirs).unwrap(), ours);
    }
}

#[test]
fn flake_lock_sources_match_nix() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    let top = dir.path().join("top");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::create_dir_all(&top).unwrap();
    std::fs::write(input.join("flake.nix"), "{ outputs = _: { x = 1; }; }\n").unwrap();
    std::fs::write(input.join("data.txt"), "nixfold flake input\n").unwrap();
    let url = format!("path:{}", input.display());
    std::fs::write(
        top.join("flake.nix"),
        format!(
            "{{ inputs.dep.url = \"{url}\";\n  inputs.raw = {{ url = \"{url}/\"; flake = false; }};\n  outputs = {{ self, dep, raw }}: {{ y = dep.x; }};\n}}\n"
        ),
    )
    .unwrap();
    let top_url = format!("path:{}", top.display());
    nix_ok(&["nix", "flake", "lock", &top_url]);
    let lock_text = std::fs::read_to_string(top.join("flake.lock")).unwrap();
    let lock = FlakeLock::parse(&lock_text).unwrap();
    let archive = nix_ok(&["nix", "flake", "archive", "--json", "--dry-run", &top_url]);
    let archive: serde_json::Value = serde_json::from_str(&archive).unwrap();
    for name in ["dep", "raw"] {
        let theirs = archive["inputs"][name]["path"].as_str().unwrap();
        let ours = lock.input_source_path(name).unwrap();
        assert_eq!(theirs, ours.to_string(), "{name}");
        let nar_hash = lock
            .node(lock.resolve(&[name]).unwrap())
            .unwrap()
            .locked
            .as_ref()
            .unwrap()["narHash"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(flake_source_path(&nar_hash).unwrap(), ours);
        assert!(Path::new(theirs).exists());
    }
    // the source tree in the store hashes back to the locked narHash
    let p = lock.input_source_path("dep").unwrap().to_string();
    let h = nar::nar_hash(Path::new(&p), HashAlgo::Sha256).unwrap();
    assert_eq!(Some(h), lock.node("dep").unwrap().nar_hash);
    assert_eq!(Encoding::Nix32.encode(h.digest()), h.to_nix32());
}
