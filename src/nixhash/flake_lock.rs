//! Reading a `flake.lock` (versions 5 to 7) far enough to find each locked
//! input's source in the store: `/nix/store/<hash>-source`, computed from the
//! input's `narHash`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::hash::{Hash, HashAlgo};
use super::store_path::{Ingestion, StorePath, make_fixed_output_path};

/// Where an input of a lock node points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputRef {
    /// A node key.
    Node(String),
    /// `follows`: an input path from the root flake.
    Follows(Vec<String>),
}

/// One node of the lock graph.
#[derive(Debug, Clone)]
pub struct LockNode {
    pub inputs: BTreeMap<String, InputRef>,
    /// The `locked` attributes (type, owner, rev, narHash, ...), if any.
    pub locked: Option<Map<String, Value>>,
    /// The parsed `locked.narHash`.
    pub nar_hash: Option<Hash>,
    /// `false` for `flake = false` inputs.
    pub is_flake: bool,
}

impl LockNode {
    /// The store path of this input's source, from its `narHash`.
    pub fn source_path(&self) -> Option<StorePath> {
        let h = self.nar_hash.as_ref()?;
        make_fixed_output_path(Ingestion::Recursive, h, "source").ok()
    }
}

/// A parsed lock file.
#[derive(Debug, Clone)]
pub struct FlakeLock {
    pub version: u64,
    root: String,
    nodes: BTreeMap<String, LockNode>,
}

impl FlakeLock {
    /// Parse the text of a flake.lock. Errors name the offending node.
    pub fn parse(json: &str) -> Result<FlakeLock, String> {
        let v: Value =
            serde_json::from_str(json).map_err(|e| format!("flake.lock is not valid JSON: {e}"))?;
        let version = v
            .get("version")
            .and_then(Value::as_u64)
            .ok_or("flake.lock has no numeric `version`")?;
        if !(5..=7).contains(&version) {
            return Err(format!(
                "flake.lock version {version} is not supported (expected 5 to 7)"
            ));
        }
        let root = v
            .get("root")
            .and_then(Value::as_str)
            .ok_or("flake.lock has no `root` node name")?
            .to_string();
        let nodes_v = v
            .get("nodes")
            .and_then(Value::as_object)
            .ok_or("flake.lock has no `nodes` object")?;
        let mut nodes = BTreeMap::new();
        for (key, n) in nodes_v {
            nodes.insert(key.clone(), parse_node(key, n)?);
        }
        if !nodes.contains_key(&root) {
            return Err(format!("flake.lock root node `{root}` does not exist"));
        }
        Ok(FlakeLock {
            version,
            root,
            nodes,
        })
    }

    /// The root node's key (normally `root`).
    pub fn root_key(&self) -> &str {
        &self.root
    }

    pub fn node(&self, key: &str) -> Option<&LockNode> {
        self.nodes.get(key)
    }

    /// Every node by key.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, &LockNode)> {
        self.nodes.iter().map(|(k, n)| (k.as_str(), n))
    }

    /// The node key an input path from the root leads to (`["nixpkgs"]`,
    /// `["home-manager", "nixpkgs"]`), following `follows`.
    pub fn resolve(&self, path: &[&str]) -> Option<&str> {
        let owned: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        self.resolve_owned(&owned, 0)
    }

    fn resolve_owned(&self, path: &[String], depth: usize) -> Option<&str> {
        if depth > 64 {
            return None; // follows cycle
        }
        let mut key = self.root.as_str();
        for name in path {
            match self.nodes.get(key)?.inputs.get(name)? {
                InputRef::Node(k) => key = k.as_str(),
                InputRef::Follows(p) => key = self.resolve_owned(p, depth + 1)?,
            }
        }
        Some(key)
    }

    /// The source store path of a root input (`"nixpkgs"`), if it is locked with a narHash.
    pub fn input_source_path(&self, input: &str) -> Option<StorePath> {
        self.node(self.resolve(&[input])?)?.source_path()
    }
}

fn parse_node(key: &str, n: &Value) -> Result<LockNode, String> {
    let obj = n
        .as_object()
        .ok_or_else(|| format!("flake.lock node `{key}` is not an object"))?;
    let mut inputs = BTreeMap::new();
    if let Some(ins) = obj.get("inputs") {
        let ins = ins
            .as_object()
            .ok_or_else(|| format!("flake.lock node `{key}`: `inputs` is not an object"))?;
        for (name, r) in ins {
            let r = match r {
                Value::String(s) => InputRef::Node(s.clone()),
                Value::Array(items) => InputRef::Follows(
                    items
                        .iter()
                        .map(|i| i.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            format!(
                                "flake.lock node `{key}`: input `{name}` follows a non-string path"
                            )
                        })?,
                ),
                _ => {
                    return Err(format!(
                        "flake.lock node `{key}`: input `{name}` is neither a node name nor a follows path"
                    ));
                }
            };
            inputs.insert(name.clone(), r);
        }
    }
    let locked = obj.get("locked").and_then(Value::as_object).cloned();
    let nar_hash = match locked.as_ref().and_then(|l| l.get("narHash")) {
        None => None,
        Some(Value::String(s)) => {
            let h = super::parse_sri(s)
                .map_err(|e| format!("flake.lock node `{key}`: narHash '{s}': {e}"))?;
            if h.algo() != HashAlgo::Sha256 {
                return Err(format!(
                    "flake.lock node `{key}`: narHash must use sha256, not {}",
                    h.algo()
                ));
            }
            Some(h)
        }
        Some(_) => return Err(format!("flake.lock node `{key}`: narHash is not a string")),
    };
    let is_flake = obj.get("flake").and_then(Value::as_bool).unwrap_or(true);
    Ok(LockNode {
        inputs,
        locked,
        nar_hash,
        is_flake,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
      "nodes": {
        "hm": {
          "inputs": { "nixpkgs": ["nixpkgs"] },
          "locked": { "narHash": "sha256-VDhqg8yEJ44wv0sDYFOTiwXQk2rXttDNAnv4f6tZwzk=", "type": "path", "path": "/x" }
        },
        "nixpkgs": {
          "flake": false,
          "locked": { "narHash": "sha256-VDhqg8yEJ44wv0sDYFOTiwXQk2rXttDNAnv4f6tZwzk=", "type": "path", "path": "/y" }
        },
        "root": { "inputs": { "hm": "hm", "nixpkgs": "nixpkgs" } }
      },
      "root": "root",
      "version": 7
    }"#;

    #[test]
    fn resolves_inputs_and_follows() {
        let l = FlakeLock::parse(LOCK).unwrap();
        assert_eq!(l.resolve(&["nixpkgs"]), Some("nixpkgs"));
        assert_eq!(l.resolve(&["hm", "nixpkgs"]), Some("nixpkgs"));
        assert_eq!(l.resolve(&["nope"]), None);
        assert!(!l.node("nixpkgs").unwrap().is_flake);
        let p = l.input_source_path("nixpkgs").unwrap();
        assert_eq!(p.name(), "source");
    }

    #[test]
    fn rejects_bad_locks() {
        assert!(
            FlakeLock::parse("{")
                .unwrap_err()
                .contains("not valid JSON")
        );
        assert!(
            FlakeLock::parse(r#"{"version": 4, "root": "root", "nodes": {}}"#)
                .unwrap_err()
                .contains("version 4")
        );
        let bad = LOCK.replace("VDhqg8", "VDhqg*");
        assert!(FlakeLock::parse(&bad).unwrap_err().contains("node `hm`"));
        let cyc = r#"{"version":7,"root":"root","nodes":{"root":{"inputs":{"a":["a"]}}}}"#;
        assert_eq!(FlakeLock::parse(cyc).unwrap().resolve(&["a"]), None);
    }
}
