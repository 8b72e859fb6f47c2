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
      system = "x86_64-linux";
      lib = nixpkgs.lib;

      pkgs = import nixpkgs {
        inherit system;
        config.allowUnfree = true;
      };

      # Home Manager as a NixOS module, with the user's configuration.
      homeManagerModule = {
        home-manager = {
          useGlobalPkgs = true;
          useUserPackages = true;
          backupFileExtension = "backup";
          extraSpecialArgs = { inherit inputs; };
          users.vpittamp = import ./home-vpittamp.nix;
        };
      };

      # The container is the shared base plus the container profile; the
      # package groups come from NIXOS_PACKAGES through the overlay.
      containerSystem = lib.nixosSystem {
        inherit system;
        specialArgs = { inherit inputs; };
        modules = [
          ./configuration-base.nix
          ./container-profile.nix
        ];
      };

      containerImage = pkgs.dockerTools.buildLayeredImage {
        name = "nixos-system";
        tag = "latest";
        contents = containerSystem.config.environment.systemPackages ++ [
          pkgs.dockerTools.usrBinEnv
          pkgs.dockerTools.binSh
          pkgs.dockerTools.caCertificates
        ];
        config = {
          Cmd = [ "${pkgs.bashInteractive}/bin/bash" "-l" ];
          WorkingDir = "/workspace";
          Env = lib.mapAttrsToList (name: value: "${name}=${value}") containerSystem.config.environment.variables;
          Labels = {
            "org.opencontainers.image.title" = "nixos-system";
            "org.opencontainers.image.source" = "https://github.com/vpittamp/nixos-config";
          };
        };
        maxLayers = 120;
      };

      overlayPackages = import ./overlays/packages.nix { inherit pkgs lib; };
    in
    {
      nixosConfigurations.nixos-wsl = lib.nixosSystem {
        inherit system;
        specialArgs = { inherit inputs; };
        modules = [
          nixos-wsl.nixosModules.default
          ./configuration.nix
          home-manager.nixosModules.home-manager
          homeManagerModule
        ];
      };

      packages.${system} = {
        container = containerImage;
        default = containerImage;
        inherit (overlayPackages.customPackages) claude-manager idpbuilder sesh;
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
