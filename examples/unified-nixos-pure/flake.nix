{
  description = "Unified NixOS: WSL2 workstation, Docker images and VS Code devcontainers from one configuration";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

    nixos-wsl = {
      url = "github:nix-community/NixOS-WSL/main";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    home-manager = {
      url = "github:nix-community/home-manager/release-24.11";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    onepassword-shell-plugins = {
      url = "github:1Password/shell-plugins";
      inputs.nixpkgs.follows = "nixpkgs";
      inputs.flake-utils.follows = "flake-utils";
    };

    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, nixos-wsl, home-manager, onepassword-shell-plugins, flake-utils, ... }@inputs:
    let
      # The variants of this flake (declared in nixfold.toml): each gives every
      # environment variable the configuration reads a value ("" when unset).
      variants = {
        default = { NIXOS_CONTAINER = ""; NIXOS_PACKAGES = ""; };
        container-essential = { NIXOS_CONTAINER = "1"; NIXOS_PACKAGES = "essential"; };
        container-kubernetes = { NIXOS_CONTAINER = "1"; NIXOS_PACKAGES = "essential,kubernetes"; };
        container-development = { NIXOS_CONTAINER = "1"; NIXOS_PACKAGES = "essential,development"; };
        container-full = { NIXOS_CONTAINER = "1"; NIXOS_PACKAGES = "full"; };
      };

      system = "x86_64-linux";
      lib = nixpkgs.lib;

      pkgs = import nixpkgs {
        inherit system;
        config.allowUnfree = true;
      };

      # Home Manager as a NixOS module, with the user's configuration.
      homeManagerModule = variant: {
        home-manager = {
          useGlobalPkgs = true;
          useUserPackages = true;
          backupFileExtension = "backup";
          extraSpecialArgs = { inherit inputs variant; };
          users.vpittamp = import ./home-vpittamp.nix;
        };
      };

      # The container is the shared base plus the container profile; the
      # package groups come from NIXOS_PACKAGES through the overlay.
      containerSystem = variant: lib.nixosSystem {
        inherit system;
        specialArgs = { inherit inputs variant; };
        modules = [
          ./configuration-base.nix
          ./container-profile.nix
        ];
      };

      containerImage = variant: pkgs.dockerTools.buildLayeredImage {
        name = "nixos-system";
        tag = "latest";
        contents = (containerSystem variant).config.environment.systemPackages ++ [
          pkgs.dockerTools.usrBinEnv
          pkgs.dockerTools.binSh
          pkgs.dockerTools.caCertificates
        ];
        config = {
          Cmd = [ "${pkgs.bashInteractive}/bin/bash" "-l" ];
          WorkingDir = "/workspace";
          Env = lib.mapAttrsToList (name: value: "${name}=${value}") (containerSystem variant).config.environment.variables;
          Labels = {
            "org.opencontainers.image.title" = "nixos-system";
            "org.opencontainers.image.source" = "https://github.com/vpittamp/nixos-config";
          };
        };
        maxLayers = 120;
      };

      overlayPackages = variant: import ./overlays/packages.nix { inherit pkgs lib variant; };

      mkNixosWsl = variant: lib.nixosSystem {
        inherit system;
        specialArgs = { inherit inputs variant; };
        modules = [
          nixos-wsl.nixosModules.default
          ./configuration.nix
          home-manager.nixosModules.home-manager
          (homeManagerModule variant)
        ];
      };
    in
    {
      nixosConfigurations.nixos-wsl = mkNixosWsl variants.default;

      packages.${system} = {
        container = containerImage variants.default;
        container-essential = containerImage variants.container-essential;
        container-kubernetes = containerImage variants.container-kubernetes;
        container-development = containerImage variants.container-development;
        container-full = containerImage variants.container-full;
        default = containerImage variants.default;
        inherit ((overlayPackages variants.default).customPackages) claude-manager idpbuilder sesh;
      };
    }
    // flake-utils.lib.eachDefaultSystem (shellSystem:
      let
        shellPkgs = nixpkgs.legacyPackages.${shellSystem};
      in
      {
        devShells.default = shellPkgs.mkShell {
          name = "nixos-config";
          packages = with shellPkgs; [ git nil nixpkgs-fmt nix-tree jq ];
          shellHook = ''
            echo "nixos-config: nixos-rebuild switch --flake .#nixos-wsl, ./build-container.sh <profile>"
          '';
        };

        devShells.kubernetes = shellPkgs.mkShell {
          name = "kubernetes";
          packages = with shellPkgs; [ kubectl kubernetes-helm k9s kind kustomize argocd stern ];
          shellHook = ''
            export KUBECONFIG="$HOME/.kube/config"
          '';
        };

        formatter = shellPkgs.nixpkgs-fmt;
      });
}
