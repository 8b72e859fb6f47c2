//! Unit tests of the flow analysis on small trees.

use super::*;
use crate::syntax::SourceFile;

fn analyse(files: &[(&str, &str)]) -> (Project, Facts) {
    let sources = files
        .iter()
        .map(|(p, t)| SourceFile::from_text(*p, *t))
        .collect();
    let project = Project::from_sources(".", sources);
    let facts = {
        let a = Analyzer::new(&project);
        let idx: Vec<usize> = (0..project.files.len()).collect();
        a.collect(&idx)
    };
    (project, facts)
}

fn tests_of(f: &Facts, var: &str) -> Vec<String> {
    let mut v: Vec<String> = f
        .facts
        .iter()
        .filter(|x| x.var == var)
        .filter_map(|x| match &x.kind {
            FactKind::Test(t) => Some(format!("{:?}{}", t.pred, if t.positive { "" } else { "!" })),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

#[test]
fn seed_package_selection() {
    let src = r#"{ pkgs, lib, ... }:
let
  packageSelection = builtins.getEnv "NIXOS_PACKAGES";
  selectedGroups = if packageSelection == "" then [ "essential" ]
else if packageSelection == "full" then [ "essential" "kubernetes" "development" "extras" ]
else lib.splitString "," packageSelection;
  includeGroup = group: builtins.elem group selectedGroups;
  kubernetes = if includeGroup "kubernetes" then [ pkgs.kubectl ] else [];
  development = lib.optionals (includeGroup "development") [ pkgs.nodejs ];
in { allPackages = kubernetes ++ development; }
"#;
    let (_, f) = analyse(&[("overlays/packages.nix", src)]);
    assert_eq!(
        tests_of(&f, "NIXOS_PACKAGES"),
        vec![
            "Eq(\"\")",
            "Eq(\"full\")",
            "Member(\"development\")",
            "Member(\"kubernetes\")"
        ]
    );
    let member = f
        .facts
        .iter()
        .find_map(|x| match &x.kind {
            FactKind::Test(t) if t.pred == Pred::Member("kubernetes".into()) => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    assert!(member.eval("full"));
    assert!(member.eval("essential,kubernetes"));
    assert!(!member.eval(""));
    assert!(!member.eval("essential"));
    // The two alias conditions and the two membership tests.
    assert_eq!(f.branches.len(), 4);
    assert!(
        f.facts
            .iter()
            .any(|x| matches!(&x.kind, FactKind::Split { sep, .. } if sep == ","))
    );
}

#[test]
fn flags_defaults_and_branches() {
    let src = r#"{ lib, ... }:
let
  isContainer = builtins.getEnv "NIXOS_CONTAINER" != "";
  gpu = builtins.getEnv "GPU" == "true";
  tag = let t = builtins.getEnv "TAG"; in if t == "" then "latest" else t;
in {
  boot.isContainer = lib.mkIf isContainer true;
  wsl = lib.mkIf (!isContainer) { enable = true; };
  imports = if gpu then [ ./gpu.nix ] else [ ];
  image.tag = tag;
}
"#;
    let (_, f) = analyse(&[("configuration.nix", src)]);
    assert_eq!(tests_of(&f, "NIXOS_CONTAINER"), vec!["Eq(\"\")!"]);
    assert_eq!(tests_of(&f, "GPU"), vec!["Eq(\"true\")"]);
    assert_eq!(
        f.branches
            .iter()
            .filter(|b| b.test.var == "NIXOS_CONTAINER")
            .count(),
        2
    );
    let tag = f
        .facts
        .iter()
        .find(|x| x.var == "TAG" && x.kind == FactKind::Str)
        .expect("tag is used as a string");
    assert_eq!(tag.site.file, 0);
}

#[test]
fn host_paths_attr_names_and_numbers() {
    let src = r#"{ nixpkgs, lib, ... }:
let
  host = builtins.getEnv "HOST";
  port = lib.toInt (builtins.getEnv "PORT");
  overlayNames = lib.splitString "," (builtins.getEnv "OVERLAYS");
  allOverlays = { rust = 1; go = 2; };
in {
  nixosConfigurations.${host} = nixpkgs.lib.nixosSystem {
modules = [ ./hosts/${host}/configuration.nix ];
  };
  overlays = map (n: allOverlays.${n}) overlayNames;
  services.port = port;
}
"#;
    let (_, f) = analyse(&[("flake.nix", src)]);
    let kinds = |v: &str| {
        let mut k: Vec<String> = f
            .facts
            .iter()
            .filter(|x| x.var == v)
            .map(|x| match &x.kind {
                FactKind::AttrName { keys } => format!("attr {keys:?}"),
                FactKind::Path { parts, .. } => format!("path {parts:?}"),
                FactKind::Number => "number".into(),
                FactKind::Split { sep, .. } => format!("split {sep}"),
                other => format!("{other:?}"),
            })
            .collect();
        k.sort();
        k.dedup();
        k
    };
    assert_eq!(
        kinds("HOST"),
        vec![
            "attr None".to_string(),
            "path [Lit(\"./hosts/\"), Var(\"HOST\"), Lit(\"/configuration.nix\")]".into()
        ]
    );
    assert_eq!(kinds("PORT"), vec!["number"]);
    assert_eq!(
        kinds("OVERLAYS"),
        vec![
            "attr Some([\"go\", \"rust\"])".to_string(),
            "split ,".into()
        ]
    );
}

#[test]
fn flows_across_import_arguments() {
    let (_, f) = analyse(&[
        (
            "default.nix",
            "let h = builtins.getEnv \"HOST\"; in import ./host.nix { hostName = h; }",
        ),
        (
            "host.nix",
            "{ hostName }: if hostName == \"laptop\" then 1 else 2",
        ),
    ]);
    assert_eq!(tests_of(&f, "HOST"), vec!["Eq(\"laptop\")"]);
}

#[test]
fn not_misclassified() {
    // Comparing something else with a literal, or the read with a
    // non-literal, is no test of the variable.
    let (_, f) = analyse(&[(
        "a.nix",
        r#"let v = builtins.getEnv "V"; other = "x"; in [ (other == "y") (v == other) (builtins.getEnv "W" + "-suffix") ]"#,
    )]);
    assert!(tests_of(&f, "V").is_empty());
    assert!(f.facts.iter().all(|x| !matches!(x.kind, FactKind::Test(_))));
}
