# Home Manager configuration for vpittamp: the same shell, editor and tmux
# setup on the WSL system and in every container.
{ config, lib, pkgs, inputs, variant, ... }:

let
  overlayPackages = import ./overlays/packages.nix { inherit pkgs lib variant; };
in
{
  imports = [
    inputs.onepassword-shell-plugins.hmModules.default
  ];

  home.username = "vpittamp";
  home.homeDirectory = "/home/vpittamp";
  home.stateVersion = "24.11";

  # Package management using the overlay system
  home.packages = overlayPackages.allPackages;

  home.sessionVariables = {
    EDITOR = "nvim";
    MANPAGER = "sh -c 'col -bx | bat -l man -p'";
    FZF_DEFAULT_COMMAND = "fd --type f --hidden --exclude .git";
  };

  programs.bash = {
    enable = true;
    enableCompletion = true;
    historyControl = [ "ignoredups" "erasedups" ];
    historySize = 50000;
    shellAliases = {
      ls = "eza --group-directories-first";
      ll = "eza -l --git --group-directories-first";
      la = "eza -la --git";
      cat = "bat --paging=never";
      g = "git";
      k = "kubectl";
      t = "sesh connect $(sesh list | fzf)";
      rebuild = "sudo nixos-rebuild switch --flake /etc/nixos#nixos-wsl";
    };
    initExtra = ''
      # Attach to (or create) the default tmux session in interactive shells.
      if [ -z "$TMUX" ] && [ -n "$PS1" ] && command -v sesh >/dev/null; then
        sesh connect main 2>/dev/null || true
      fi
    '';
  };

  programs.git = {
    enable = true;
    userName = "Vinod Pittampalli";
    userEmail = "vinod@pittampalli.com";
    aliases = {
      st = "status -sb";
      co = "checkout";
      lg = "log --graph --oneline --decorate --all";
    };
    extraConfig = {
      init.defaultBranch = "main";
      pull.rebase = true;
      push.autoSetupRemote = true;
      core.editor = "nvim";
      credential.helper = "store";
    };
    delta.enable = true;
  };

  programs.tmux = {
    enable = true;
    terminal = "tmux-256color";
    prefix = "C-a";
    keyMode = "vi";
    mouse = true;
    baseIndex = 1;
    historyLimit = 100000;
    escapeTime = 0;
    plugins = with pkgs.tmuxPlugins; [
      sensible
      yank
      resurrect
      continuum
      vim-tmux-navigator
    ];
    extraConfig = ''
      set -g status-position top
      set -g @continuum-restore 'on'
      bind-key "T" run-shell "sesh connect \"$(sesh list | fzf-tmux -p 55%,60%)\""
      bind | split-window -h -c "#{pane_current_path}"
      bind - split-window -v -c "#{pane_current_path}"
    '';
  };

  programs.starship = {
    enable = true;
    enableBashIntegration = true;
    settings = {
      add_newline = false;
      format = "$directory$git_branch$git_status$nix_shell$kubernetes$character";
      kubernetes.disabled = false;
      nix_shell.symbol = "❄️ ";
      character = {
        success_symbol = "[➜](bold green)";
        error_symbol = "[➜](bold red)";
      };
    };
  };

  programs.fzf = {
    enable = true;
    enableBashIntegration = true;
    defaultCommand = "fd --type f --hidden --exclude .git";
    defaultOptions = [ "--height 40%" "--layout=reverse" "--border" ];
    tmux.enableShellIntegration = true;
  };

  programs.zoxide = {
    enable = true;
    enableBashIntegration = true;
    options = [ "--cmd cd" ];
  };

  programs.direnv = {
    enable = true;
    nix-direnv.enable = true;
  };

  # `gh` and friends authenticate through the 1Password CLI.
  programs._1password-shell-plugins = {
    enable = true;
    plugins = with pkgs; [ gh awscli2 cachix ];
  };

  # Dotfiles via xdg.configFile
  xdg.configFile = {
    "sesh/sesh.toml".text = ''
      [default_session]
      startup_command = "nvim"

      [[session]]
      name = "nixos"
      path = "/etc/nixos"
      startup_command = "git status"

      [[session]]
      name = "home"
      path = "~"
    '';

    "k9s/config.yaml".text = ''
      k9s:
        ui:
          skin: transparent
        readOnly: false
    '';
  };
}
