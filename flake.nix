{
  description = "nixfold: lint Nix configurations for environment-driven selection and migrate them to pure flakes";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      lib = nixpkgs.lib;
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});

      cargoToml = builtins.fromTOML (builtins.readFile ./Cargo.toml);

      # Only what `cargo build` needs: editing docs, examples or tests does not
      # change the package.
      src = lib.cleanSourceWith {
        name = "nixfold-source";
        src = ./.;
        filter = path: type:
          let
            relative = lib.removePrefix (toString ./. + "/") (toString path);
            top = builtins.head (lib.splitString "/" relative);
          in
          builtins.elem top [ "Cargo.toml" "Cargo.lock" "build.rs" "src" "grammar" ];
      };
    in
    {
      packages = forAllSystems (pkgs: {
        nixfold = pkgs.rustPlatform.buildRustPackage {
          pname = cargoToml.package.name;
          version = cargoToml.package.version;
          inherit src;
          cargoLock.lockFile = ./Cargo.lock;
          # The test suite drives real Nix (nix eval, nix-instantiate), which
          # needs a writable store; run `cargo test` in the dev shell instead.
          doCheck = false;
          meta = {
            description = "Linter and migrator for environment-driven Nix configurations";
            mainProgram = "nixfold";
          };
        };
        default = self.packages.${pkgs.system}.nixfold;
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.system}.nixfold}/bin/nixfold";
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = with pkgs; [
            cargo
            rustc
            clippy
            rustfmt
            rust-analyzer
            nix
            git
            # benchmarks (bench/check.sh)
            hyperfine
            deadnix
            statix
            python3
          ];
          RUST_BACKTRACE = "1";
        };
      });
    };
}
