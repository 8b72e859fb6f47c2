# `import nixpkgs { system = ...; }` for the stub nixpkgs flake.
args: import ./pkgs ({ lib = import ./lib; } // args)
