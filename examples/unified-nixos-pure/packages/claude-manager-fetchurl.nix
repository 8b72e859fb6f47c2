# claude-manager: tmux session manager for Claude Code, installed from the
# prebuilt release tarball on GitHub.
{ lib
, stdenv
, fetchurl
, autoPatchelfHook
, makeWrapper
, tmux
, fzf
, git
}:

stdenv.mkDerivation rec {
  pname = "claude-manager";
  version = "0.4.2";

  src = fetchurl {
    url = "https://github.com/vpittamp/claude-manager/releases/download/v${version}/claude-manager-linux-amd64.tar.gz";
    sha256 = "0q1jh2xassym3fy2il4mymjf0dimsihsyxj08j6cmgm3zg525sw9";
  };

  sourceRoot = ".";

  nativeBuildInputs = [ autoPatchelfHook makeWrapper ];

  dontConfigure = true;
  dontBuild = true;

  installPhase = ''
    runHook preInstall
    install -Dm755 claude-manager $out/bin/claude-manager
    wrapProgram $out/bin/claude-manager \
      --prefix PATH : ${lib.makeBinPath [ tmux fzf git ]}
    runHook postInstall
  '';

  meta = with lib; {
    description = "Manage Claude Code sessions in tmux";
    homepage = "https://github.com/vpittamp/claude-manager";
    license = licenses.mit;
    platforms = [ "x86_64-linux" ];
    mainProgram = "claude-manager";
  };
}
